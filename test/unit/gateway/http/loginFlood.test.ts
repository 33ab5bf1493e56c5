import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { requestFrom } from '../../../helpers/http.js';
import { addRoleUsers, type Kit, makeKit, PASSWORDS } from '../auth/harness.js';

let kit: Kit;
afterEach(async () => kit?.close());

describe('a flood of logins over HTTP', () => {
  it('keeps the server answering other requests while the passwords are hashed, and answers every login', async () => {
    const FLOOD = 40;
    let loginsArrived = 0;
    kit = await makeKit({
      extra: async (app) => {
        app.addHook('onRequest', async (request) => {
          if (request.url === '/api/auth/login') loginsArrived++;
        });
      },
    });
    addRoleUsers(kit.store);
    await kit.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = kit.app.server.address() as AddressInfo;

    // Unknown names and wrong passwords for a real one, each from an address of its own, as a guessing botnet would.
    const logins = Array.from({ length: FLOOD }, (_, i) =>
      requestFrom(port, '/api/auth/login', `127.0.0.${20 + i}`, { username: i % 2 ? `guess-${i}` : 'admin', password: `not-it-${i}-xx` }),
    );
    // Asked only once every login is in the server's hands: before the fix each of them held the event loop for one scrypt.
    for (let waited = 0; loginsArrived < FLOOD; waited += 5) {
      if (waited > 60_000) throw new Error(`only ${loginsArrived} of ${FLOOD} logins reached the server`);
      await new Promise((r) => setTimeout(r, 5));
    }
    const other = await requestFrom(port, '/test/public', '127.0.0.2');
    const answered = await Promise.all(logins);

    expect(other.status).toBe(200);
    const loginsBefore = answered.filter((a) => a.answeredAt < other.answeredAt).length;
    // scrypt runs a couple at a time off the event loop: the other request does not wait for the flood to be hashed.
    expect(loginsBefore, `${loginsBefore} of ${FLOOD} logins were answered before the other request`).toBeLessThan(FLOOD / 2);
    expect(answered.map((a) => a.status)).toEqual(Array(FLOOD).fill(401));
    // And the real user still gets in afterwards.
    expect((await requestFrom(port, '/api/auth/login', '127.0.0.3', { username: 'admin', password: PASSWORDS.admin })).status).toBe(200);
  });
});
