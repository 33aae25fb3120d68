export * from './choose';
export * from './eligibility';
export * from './types';
