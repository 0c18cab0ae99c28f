export * from './redecide';
export * from './report';
export * from './route-template';
export * from './decide-window';
