export * from './guards';
export * from './history';
export * from './patch';
export * from './plan';
export type * from './policy';
export * from './reasons';
export * from './render';
export * from './target';
export * from './zones';
