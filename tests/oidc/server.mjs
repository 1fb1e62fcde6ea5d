// A certified OpenID provider (the npm package oidc-provider) for the Microsoft and
// Google sign-in tests. Test-only: it signs anyone in with any password.
//
// Environment:
//   OIDC_PORT              port on 127.0.0.1 (0 = any free one)
//   OIDC_CERT, OIDC_KEY    PEM files for TLS (a trustme CA issues them)
//   OIDC_CLIENTS           JSON array of client metadata (oidc-provider's format)
//   OIDC_ACCESS_TOKEN_TTL  access token lifetime in seconds (short, for refresh tests)
//   OIDC_ADMIN_KEY         the value of X-Admin-Key that /admin/* requires
//
// The provider is mounted under /oidc, because MSAL wants an authority with a path.
// Once listening, it prints one JSON line: {"issuer": "https://127.0.0.1:<port>/oidc"}.
// POST /admin/revoke forgets every grant, token and session, so that the next refresh
// answers invalid_grant (what a revoked sign-in looks like to a client).

import { generateKeyPairSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';

import Provider from 'oidc-provider';

const MOUNT = '/oidc';

function required(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`${name} is not set`);
    process.exit(2);
  }
  return value;
}

// The provider's storage: one Map for every model, so /admin/revoke can empty it.
const records = new Map();

class MapAdapter {
  constructor(model) {
    this.model = model;
  }

  key(id) {
    return `${this.model}:${id}`;
  }

  async upsert(id, payload, expiresIn) {
    const expiresAt = expiresIn ? Date.now() + expiresIn * 1000 : Infinity;
    records.set(this.key(id), { model: this.model, payload, expiresAt });
  }

  async find(id) {
    const record = records.get(this.key(id));
    if (!record || record.expiresAt <= Date.now()) {
      return undefined;
    }
    return record.payload;
  }

  async findBy(field, value) {
    for (const record of records.values()) {
      if (record.model === this.model && record.payload[field] === value
          && record.expiresAt > Date.now()) {
        return record.payload;
      }
    }
    return undefined;
  }

  async findByUid(uid) {
    return this.findBy('uid', uid);
  }

  async findByUserCode(userCode) {
    return this.findBy('userCode', userCode);
  }

  async consume(id) {
    const record = records.get(this.key(id));
    if (record) {
      record.payload.consumed = Math.floor(Date.now() / 1000);
    }
  }

  async destroy(id) {
    records.delete(this.key(id));
  }

  async revokeByGrantId(grantId) {
    for (const [key, record] of records) {
      if (record.payload.grantId === grantId) {
        records.delete(key);
      }
    }
  }
}

function signingKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: 'test-key', use: 'sig', alg: 'RS256' };
}

// Entra puts the user's groups in the ID token; with many groups the token cache
// outgrows a single Windows credential, which the tests rely on.
const GROUPS = Array.from({ length: 48 }, (_, index) => `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`);

async function findAccount(_ctx, sub) {
  const email = `${sub}@example.test`;
  return {
    accountId: sub,
    async claims() {
      return {
        sub, email, email_verified: true, name: sub, preferred_username: email, groups: GROUPS,
      };
    },
  };
}

function configuration(clients, accessTokenTtl) {
  return {
    adapter: MapAdapter,
    clients,
    jwks: { keys: [signingKey()] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    findAccount,
    scopes: ['openid', 'offline_access', 'profile', 'email', 'intranet.read'],
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'preferred_username', 'groups'],
    },
    features: {
      devInteractions: { enabled: true },
      deviceFlow: { enabled: true },
      revocation: { enabled: true },
    },
    pkce: { required: () => true },
    // Issue a refresh token to every client allowed the grant, as Entra and Google do
    // for desktop apps (oidc-provider would otherwise want offline_access + consent).
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    ttl: {
      AccessToken: accessTokenTtl,
      AuthorizationCode: 60,
      DeviceCode: 600,
      Grant: 86400,
      IdToken: 3600,
      Interaction: 600,
      RefreshToken: 86400,
      Session: 86400,
    },
  };
}

// Entra and Google hand out refresh tokens for offline_access alone; oidc-provider,
// following OpenID Connect Core, keeps offline_access only with prompt=consent. So
// authorization requests asking for offline_access get prompt=consent added here.
async function consentForOfflineAccess(ctx, next) {
  if (ctx.path === '/auth' && ctx.method === 'GET') {
    const scopes = String(ctx.query.scope ?? '').split(' ');
    const prompts = String(ctx.query.prompt ?? '').split(' ').filter(Boolean);
    if (scopes.includes('offline_access') && !prompts.includes('consent')) {
      ctx.query = { ...ctx.query, prompt: [...prompts, 'consent'].join(' ') };
      ctx.req.originalUrl = `${MOUNT}${ctx.url}`; // keeps the mount path discoverable
    }
  }
  await next();
}

function isAdmin(request, adminKey) {
  const given = Buffer.from(String(request.headers['x-admin-key'] ?? ''));
  const expected = Buffer.from(adminKey);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function handleAdmin(request, response, adminKey) {
  if (request.method !== 'POST' || request.url !== '/admin/revoke') {
    response.writeHead(404).end();
  } else if (!isAdmin(request, adminKey)) {
    response.writeHead(403).end();
  } else {
    records.clear();
    response.writeHead(204).end();
  }
}

function main() {
  const port = Number(process.env.OIDC_PORT ?? '0');
  const tls = { cert: readFileSync(required('OIDC_CERT')), key: readFileSync(required('OIDC_KEY')) };
  const clients = JSON.parse(required('OIDC_CLIENTS'));
  const accessTokenTtl = Number(process.env.OIDC_ACCESS_TOKEN_TTL ?? '3600');
  const adminKey = required('OIDC_ADMIN_KEY');

  let providerCallback;
  const server = createServer(tls, (request, response) => {
    if (request.url.startsWith('/admin/')) {
      handleAdmin(request, response, adminKey);
    } else if (request.url === MOUNT || request.url.startsWith(`${MOUNT}/`)) {
      // What Express's app.use(MOUNT, ...) does, which oidc-provider understands.
      request.originalUrl = request.url;
      request.url = request.url.slice(MOUNT.length) || '/';
      providerCallback(request, response);
    } else {
      response.writeHead(404).end();
    }
  });

  server.listen(port, '127.0.0.1', () => {
    const issuer = `https://127.0.0.1:${server.address().port}${MOUNT}`;
    const provider = new Provider(issuer, configuration(clients, accessTokenTtl));
    provider.use(consentForOfflineAccess);
    provider.on('server_error', (_ctx, error) => console.error('server_error', error));
    providerCallback = provider.callback();
    console.log(JSON.stringify({ issuer }));
  });

  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => process.exit(0));
  }
}

main();
