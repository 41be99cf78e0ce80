/**
 * The environment config's resolution: {@link resolveEnvironment} and {@link ResolvedEnvironment}.
 * The section resolvers and their defaults are in `./resolve/`.
 */
export * from './resolve';
