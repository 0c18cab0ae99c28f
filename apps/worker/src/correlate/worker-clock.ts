import { Inject } from '@nestjs/common';

/** Injection token of the worker's clock: `() => epoch ms`. Tests replace it to freeze "now". */
export const WORKER_CLOCK = Symbol('WORKER_CLOCK');
export type WorkerClock = () => number;
export const InjectWorkerClock = (): ParameterDecorator => Inject(WORKER_CLOCK);
