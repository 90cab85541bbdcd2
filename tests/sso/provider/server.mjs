// A real OpenID Connect provider for the SSO browser test: panva/node-oidc-provider with its
// development sign-in pages (any password; the login names the person below).
// Usage: node server.mjs PORT REDIRECT_URI CLIENT_ID CLIENT_SECRET
import Provider from 'oidc-provider';

const [port, redirectUri, clientId, clientSecret] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;

const people = {
  'vera.sso': { email: 'vera.sso@example.com', groups: ['cs-leaders', 'everyone'] },
  'carl.sso': { email: 'carl.sso@example.com', groups: ['cs-team'] },
  'rita.sso': { email: 'rita.sso@example.com', groups: ['marketing'] },
  'lead.sso': { email: 'lead.sso@example.com', groups: ['cs-leads'] },
};

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: [redirectUri],
    response_types: ['code'],
    grant_types: ['authorization_code'],
    token_endpoint_auth_method: 'client_secret_post',
  }],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['preferred_username', 'given_name', 'family_name'],
    groups: ['groups'],
  },
  scopes: ['openid', 'email', 'profile', 'groups'],
  pkce: { required: () => false },
  cookies: { keys: ['candor-test-only'] },
  features: { devInteractions: { enabled: true } },
  async findAccount(ctx, id) {
    const person = people[id];
    if (!person) return undefined;
    return {
      accountId: id,
      async claims() {
        return {
          sub: id, email: person.email, email_verified: true, preferred_username: id,
          given_name: id.split('.')[0], family_name: 'Example', groups: person.groups,
        };
      },
    };
  },
});

provider.listen(Number(port), '127.0.0.1', () => console.log(`listening ${issuer}`));
