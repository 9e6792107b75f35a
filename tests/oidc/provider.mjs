// A real OpenID provider for the SSO tests (panva's oidc-provider, with its development login and consent
// pages). Never for production: it signs with development keys and accepts any password.
//
//   node provider.mjs <port>        (or OIDC_PORT=<port>)
//   OIDC_REDIRECT_URI   the one redirect URI the client may use (required)
//   OIDC_CLIENT_ID, OIDC_CLIENT_SECRET   defaults: followthrough / followthrough-secret
//
// Prints `listening <issuer>` once it accepts connections.
//
// Accounts: the login name is the account. `verified@example.com` and `unverified@example.com` are the store
// below; any other email signs in as itself with a verified email, and `unverified:<email>` as itself with an
// unverified one, so each test can make people of its own.
import Provider from 'oidc-provider';

const port = Number(process.argv[2] || process.env.OIDC_PORT);
const redirectUri = process.env.OIDC_REDIRECT_URI;
if (!port || !redirectUri) {
  console.error('usage: OIDC_REDIRECT_URI=<uri> node provider.mjs <port>');
  process.exit(2);
}
const issuer = `http://127.0.0.1:${port}`;

const ACCOUNTS = new Map([
  ['verified@example.com', { email: 'verified@example.com', email_verified: true, name: 'Vera Verified' }],
  ['unverified@example.com', { email: 'unverified@example.com', email_verified: false, name: 'Una Unverified' }],
]);

function claimsOf(accountId) {
  if (ACCOUNTS.has(accountId)) return ACCOUNTS.get(accountId);
  if (accountId.startsWith('unverified:')) {
    const email = accountId.slice('unverified:'.length);
    return { email, email_verified: false, name: email.split('@')[0] };
  }
  return { email: accountId, email_verified: true, name: accountId.split('@')[0] };
}

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: process.env.OIDC_CLIENT_ID || 'followthrough',
      client_secret: process.env.OIDC_CLIENT_SECRET || 'followthrough-secret',
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  pkce: { required: () => true },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ['followthrough-test-provider'] },
  async findAccount(ctx, accountId) {
    return { accountId, claims: async () => ({ sub: accountId, ...claimsOf(accountId) }) };
  },
});

const server = provider.listen(port, '127.0.0.1', () => console.log(`listening ${issuer}`));
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
