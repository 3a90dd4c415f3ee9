import * as z from 'zod/mini';
import { PLAN_IDS } from '#shared/rules/types.ts';

/** The building blocks of the wire shapes (shared/http/schemas.ts re-exports them): amounts, instants, ids, free text, paging. */

// ---------- primitives ----------
/** Integer fen, never negative, never beyond what a double holds exactly. */
export const Fen = /* @__PURE__ */ z.int().check(z.nonnegative(), z.maximum(Number.MAX_SAFE_INTEGER));
export const PositiveFen = /* @__PURE__ */ Fen.check(z.minimum(1));
export const RateBps = /* @__PURE__ */ z.int().check(z.nonnegative(), z.maximum(10_000));
/** ISO-8601 with offset, between 2000 and 2100 (anything else is a typo or an attack). */
export const Instant = /* @__PURE__ */ z.iso.datetime({ offset: true }).check(
  z.refine(
    (value) => {
      const year = new Date(value).getUTCFullYear();
      return year >= 2000 && year <= 2100;
    },
    { message: 'Instant must fall between the years 2000 and 2100' },
  ),
);
/**
 * Every identifier, in paths, bodies, queries and events (api.md "Conventions"): 1–64 characters
 * of A–Z a–z 0–9 . _ : - — ours (`clm_…`) and other systems' (orders, merchants, buyers, items).
 * The one id schema; nothing else defines its own.
 */
export const idSchema = /* @__PURE__ */ z
  .string()
  .check(z.minLength(1), z.maxLength(64), z.regex(/^[A-Za-z0-9._:-]+$/, 'Use 1–64 characters of A–Z a–z 0–9 . _ : -'));
/** Ids from other systems: the same rule as every id (kept as a name for readability). */
export const ExternalId = idSchema;
export const PlanIdSchema = /* @__PURE__ */ z.enum(PLAN_IDS);
/** C0 controls, DEL and C1 controls. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is this pattern's job
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is this pattern's job
const CONTROL_BUT_NEWLINE_AND_TAB = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** Valid Unicode (no lone surrogate: JSON's `\ud800` escape decodes to one) without the given controls. */
const freeText = (max: number, controls: RegExp) =>
  z.string().check(
    z.minLength(1),
    z.maxLength(max),
    z.refine((value) => !LONE_SURROGATE.test(value) && !controls.test(value), {
      message:
        controls === CONTROL
          ? 'Use valid Unicode text without control characters'
          : 'Use valid Unicode text without control characters (newline and tab allowed)',
    }),
  );
/** Free text (names, reasons, descriptions, accounts): valid Unicode without control characters. */
export const Text = (max: number) => freeText(max, CONTROL);
/** Notes: free text that may also hold newlines and tabs. */
export const NoteText = (max: number) => freeText(max, CONTROL_BUT_NEWLINE_AND_TAB);
export const Limit = /* @__PURE__ */ z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(100)), 50);
export const Cursor = /* @__PURE__ */ z.string().check(z.minLength(1), z.maxLength(1024));
export const Role = /* @__PURE__ */ z.enum(['merchant', 'buyer', 'adjuster', 'ops', 'service']);

/** A figure of a `basis`: any JSON value, typed (a generated client gets a union, not `unknown`). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export const JsonValueSchema: z.ZodMiniType<JsonValue> = /* @__PURE__ */ z.union([
  z.string(),
  z.number(),
  z.boolean(),
  z.null(),
  z.array(z.lazy(() => JsonValueSchema)),
  z.record(
    z.string(),
    z.lazy(() => JsonValueSchema),
  ),
]);
/** The figures an amount (or refusal) came from; `rule` names the rule id. */
export const BasisSchema = /* @__PURE__ */ z.catchall(z.looseObject({ rule: z.string() }), z.optional(JsonValueSchema));

export const PartySchema = /* @__PURE__ */ z.object({ role: z.enum(['buyer', 'merchant']), id: z.string() });
export const ActorSchema = /* @__PURE__ */ z.object({
  role: z.enum(['buyer', 'merchant', 'adjuster', 'ops', 'service', 'system']),
  id: z.optional(z.string()),
});
