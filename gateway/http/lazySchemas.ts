/**
 * Route validators and serializers compiled at a route's first request instead of all at start (docs/memory.md): a
 * tablet uses a handful of the kit's routes, and every compiled schema is generated code kept for the process's life
 * (~3 MB for all of them). The compilers are fastify's own (Ajv, fast-json-stringify) with fastify's defaults, so what a
 * route accepts and answers is unchanged; a schema that cannot compile fails that route's first request, not the start.
 */
import AjvCompiler from '@fastify/ajv-compiler';
import SerializerSelector from '@fastify/fast-json-stringify-compiler';
import type { FastifyServerOptions } from 'fastify';

// biome-ignore lint/suspicious/noExplicitAny: fastify's compiler factories are typed per compiler; this wrapper is the same for both.
type Compiled = ((...call: any[]) => any) & { errors?: unknown };
// biome-ignore lint/suspicious/noExplicitAny: as above.
type Factory = (...setup: any[]) => (route: any) => Compiled;

function onFirstRequest<F extends Factory>(factory: F): F {
  return ((...setup: unknown[]) => {
    let compiler: ReturnType<F> | undefined;
    return (route: unknown) => {
      let compiled: Compiled | undefined;
      const lazy: Compiled = (...call) => {
        compiler ??= factory(...setup) as ReturnType<F>;
        compiled ??= compiler(route);
        return compiled(...call);
      };
      // fastify reads why a request was refused from the validator's `errors`.
      Object.defineProperty(lazy, 'errors', { get: () => compiled?.errors });
      return lazy;
    };
  }) as F;
}

export const lazySchemaController: FastifyServerOptions['schemaController'] = {
  compilersFactory: {
    buildValidator: onFirstRequest(AjvCompiler()),
    buildSerializer: onFirstRequest(SerializerSelector()),
  },
};
