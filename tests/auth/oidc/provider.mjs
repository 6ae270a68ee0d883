// A real OpenID Connect provider for the single sign-on tests: the npm package
// oidc-provider (a certified implementation) with its own development login and
// consent forms. Started by tests/auth/oidc_provider.py on a loopback port.
//
// Reads one JSON document from the environment variable OIDC_TEST_CONFIG:
//   {"port": 0, "clients": [{"client_id", "client_secret", "redirect_uris",
//                            "post_logout_redirect_uris", "code_ttl"}],
//    "accounts": {"login": {"email": "...", "email_verified": true}}}
// and prints "listening http://127.0.0.1:PORT" once it accepts connections.
import http from 'node:http';

import Provider from 'oidc-provider';

const config = JSON.parse(process.env.OIDC_TEST_CONFIG);
const codeTtl = Object.fromEntries(config.clients.map((c) => [c.client_id, c.code_ttl ?? 60]));

const server = http.createServer();
server.listen(config.port ?? 0, '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: config.clients.map((c) => ({
      client_id: c.client_id,
      client_secret: c.client_secret,
      redirect_uris: c.redirect_uris,
      post_logout_redirect_uris: c.post_logout_redirect_uris ?? [],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    })),
    pkce: { required: () => true },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    cookies: { keys: ['oidc-test-cookie-key-not-secret'] },
    features: { devInteractions: { enabled: true } },
    ttl: {
      AuthorizationCode: (ctx, code, client) => codeTtl[client.clientId] ?? 60,
      AccessToken: 600,
      IdToken: 600,
      Interaction: 600,
      Session: 600,
      Grant: 600,
    },
    async findAccount(ctx, id) {
      const account = config.accounts[id];
      if (!account) return undefined;
      return {
        accountId: id,
        async claims() {
          return { sub: id, ...account };
        },
      };
    },
  });
  server.on('request', provider.callback());
  process.stdout.write(`listening ${issuer}\n`);
});

process.on('SIGTERM', () => server.close(() => process.exit(0)));
