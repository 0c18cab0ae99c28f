export * from './options';
export * from './correlate';
export * from './coverage';
export { decide, type TraceMember, type DecideContext } from './attribution';
export { explain } from './explain';
export { joinById, type UntrustedReason } from './id-join';
export { requestKey, sameRequest, decodeOnce, type RequestKey } from './request-key';
