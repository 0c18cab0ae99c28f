export * from './redecide';
export * from './report';

export * from './decide-window';
