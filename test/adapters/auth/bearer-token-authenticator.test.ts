import { expect } from 'chai';
import { bearerToken, BearerTokenAuthenticator } from '../../../src/adapters/auth/bearer-token-authenticator.js';

describe('auth: bearer token authenticator', () => {
  const auth = new BearerTokenAuthenticator({ token: 'abc123' });

  it('accepts the token and names the user', async () => {
    expect(await auth.authenticate({ headers: { authorization: 'Bearer abc123' } })).to.deep.equal({
      user: { username: 'admin', groups: ['system:masters', 'system:authenticated'] },
    });
    expect(await auth.authenticate({ headers: { authorization: 'bearer abc123' } })).to.not.equal(undefined);
  });

  it('says nothing without a bearer token, and calls a token nobody issued invalid', async () => {
    for (const authorization of [undefined, '', 'Bearer', 'Basic YWRtaW46YWJjMTIz', 'Bearer abc123 extra']) {
      expect(await auth.authenticate({ headers: { authorization } }), String(authorization)).to.equal(undefined);
    }
    for (const authorization of ['Bearer abc1234', 'Bearer abc12']) {
      expect(await auth.authenticate({ headers: { authorization } }), authorization).to.deep.equal({ error: 'invalid bearer token' });
    }
  });

  it('takes several tokens with their users and refuses empty ones', async () => {
    const custom = new BearerTokenAuthenticator({ tokens: [{ token: 't', user: { username: 'ci', groups: ['ci'] } }, { token: 'u' }] });
    expect(await custom.authenticate({ headers: { authorization: 'Bearer t' } })).to.deep.equal({
      user: { username: 'ci', groups: ['ci', 'system:authenticated'] },
    });
    expect((await custom.authenticate({ headers: { authorization: 'Bearer u' } }))?.user?.username).to.equal('admin');
    expect(() => new BearerTokenAuthenticator({ token: ' ' })).to.throw(/must not be empty/);
    expect(() => new BearerTokenAuthenticator({})).to.throw(/at least one token/);
  });

  it('extracts the token of an Authorization header', () => {
    expect(bearerToken('Bearer x.y.z')).to.equal('x.y.z');
    expect(bearerToken(['Bearer a', 'Bearer b'])).to.equal('a');
    expect(bearerToken('Token x')).to.equal(undefined);
  });
});
