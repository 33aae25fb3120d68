import { z } from 'zod';
import { formatProblems, toFieldProblems } from '../../lib/modelarts/schema-error';
import type { Route, RouteResult } from '../route';

const DEFAULT_TOKEN_TTL_MS = 24 * 60 * 60 * 1000;

const PasswordTokenRequestSchema = z.object({
  auth: z.object({
    identity: z.object({
      methods: z
        .array(z.string())
        .refine((methods) => methods.includes('password'), 'must include "password"'),
      password: z.object({
        user: z.object({
          name: z.string().min(1),
          password: z.string().min(1),
          domain: z.object({ name: z.string().min(1) }),
        }),
      }),
    }),
    scope: z.object({ project: z.object({ id: z.string().min(1) }) }),
  }),
});

/**
 * POST /v3/auth/tokens with a password identity scoped to a project. IAM answers errors Keystone-style
 * (`{"error":{"code","message","title"}}`), unlike ModelArts.
 */
export const iamToken: Route = {
  name: 'iamToken',
  method: 'POST',
  path: '/v3/auth/tokens',
  auth: 'none',
  handle({ body, state }) {
    let raw: unknown;
    try {
      raw = JSON.parse(body ?? '');
    } catch {
      return keystoneError(400, 'Bad Request', 'The request body is not valid JSON.');
    }
    const parsed = PasswordTokenRequestSchema.safeParse(raw);
    if (!parsed.success) {
      return keystoneError(
        400,
        'Bad Request',
        `Invalid token request: ${formatProblems(toFieldProblems(parsed.error.issues))}`,
      );
    }
    const { identity, scope } = parsed.data.auth;
    const user = identity.password.user;
    const auth = state.auth;
    if (auth.mode === 'verify') {
      const known = (auth.users ?? []).some(
        (candidate) =>
          candidate.name === user.name &&
          candidate.password === user.password &&
          candidate.domain === user.domain.name,
      );
      if (!known) return keystoneError(401, 'Unauthorized', 'The username or password is wrong.');
    }
    if (scope.project.id !== state.projectId) {
      return keystoneError(
        401,
        'Unauthorized',
        `The project ${scope.project.id} does not exist or is not accessible.`,
      );
    }
    const issuedAt = state.now();
    const expiresAt =
      issuedAt + (auth.mode === 'verify' ? (auth.tokenTtlMs ?? DEFAULT_TOKEN_TTL_MS) : DEFAULT_TOKEN_TTL_MS);
    const token = state.tokens.issue(user.name, state.projectId, expiresAt);
    return {
      status: 201,
      headers: { 'X-Subject-Token': token },
      body: {
        token: {
          methods: ['password'],
          expires_at: new Date(expiresAt).toISOString(),
          issued_at: new Date(issuedAt).toISOString(),
          project: { id: state.projectId },
          user: { name: user.name, domain: { name: user.domain.name } },
        },
      },
    };
  },
};

function keystoneError(code: number, title: string, message: string): RouteResult {
  return { status: code, body: { error: { code, title, message } } };
}
