/**
 * `npm run token -- <role> <sub> [expiresIn]`: prints a local token (HS256 with JWT_SECRET, issuer
 * `baozhang-local`, audience `baozhang-api`, 12 h unless told) for `npm start`, e.g.
 * `npm run token -- merchant shop-9001` or `npm run token -- ops ops-1 30m`.
 */
import { ROLES, type Role } from '#shared/http/auth.ts';
import { DEFAULT_JWT_SECRET, signToken } from '#shared/local/tokens.ts';

const [role, sub, expiresIn = '12h'] = process.argv.slice(2);
if (!role || !(ROLES as readonly string[]).includes(role) || !sub) {
  console.error(`Usage: npm run token -- <${ROLES.join('|')}> <sub> [expiresIn, e.g. 12h, 30m]`);
  process.exit(2);
}
console.log(await signToken(process.env['JWT_SECRET'] ?? DEFAULT_JWT_SECRET, { sub, role: role as Role }, { expiresIn }));
