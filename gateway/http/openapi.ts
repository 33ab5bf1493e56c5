/** The OpenAPI document's frame: title, server, the two ways to sign in, and who may call each route (its `config.access`). */
import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import { SESSION_COOKIE } from './plugins/auth.js';
import type { Access } from './schemas.js';

/** A route's security requirement: either way of signing in will do. */
const SIGNED_IN = [{ apiToken: [] }, { session: [] }];

export function openapiOptions(basePath: string): FastifyDynamicSwaggerOptions {
  return {
    openapi: {
      info: {
        title: 'Minotake kit API',
        version: '1',
        description:
          '身の丈IoTキットの HTTP API。各ルートの `x-minotake-access` は呼び出せる最も低い役割です（viewer < operator < manager < admin、public はログイン不要）。' +
          ' / The kit HTTP API. Each route’s `x-minotake-access` is the lowest role that may call it (viewer < operator < manager < admin; public needs no sign-in).',
      },
      servers: [{ url: basePath }],
      components: {
        securitySchemes: {
          apiToken: {
            type: 'http',
            scheme: 'bearer',
            description:
              'An API token an admin made on the admin page (api/admin/tokens), with its role. / 管理者が管理画面（api/admin/tokens）で作った、役割つきの API トークン。',
          },
          session: {
            type: 'apiKey',
            in: 'cookie',
            name: SESSION_COOKIE,
            description:
              'The dashboard’s session from POST api/auth/login; a request that changes something also sends the `x-csrf-token` header from the login answer. / POST api/auth/login のセッション。変更を伴うリクエストには、ログインの応答の `x-csrf-token` ヘッダーも必要です。',
          },
        },
      },
    },
    // The role lives in the route's config for the auth hook; the document states the same, so the two cannot drift apart.
    transform: ({ schema, url, route }) => {
      const access: Access = route.config?.access ?? 'admin';
      // A public route that still tells a signed-in caller more (`identify`, e.g. api/health) takes a sign-in as optional.
      const security = access !== 'public' ? SIGNED_IN : route.config?.identify ? [{}, ...SIGNED_IN] : [];
      return { schema: { ...schema, security, 'x-minotake-access': access }, url };
    },
  };
}
