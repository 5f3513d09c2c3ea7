import { z } from 'zod';
import { issueApiKey, keyListing, keysMatching, listApiKeys } from '../auth/api-keys.js';
import { DEFAULT_CREDENTIAL_CACHE_SECONDS } from '../auth/credential-cache.js';
import { TenantIdSchema } from '../auth/tenant-id.js';
import { readConfig } from '../config.js';
import { dynamoClientConfig } from '../store/client-config.js';
import { DynamoDbStore } from '../store/dynamodb-store.js';
import type { Store } from '../store/store.js';
import { table } from './format.js';
import { UsageError } from './usage-error.js';

/**
 * `nas admin`: operator commands that talk to the record store directly rather than to the HTTP API,
 * because they create the credentials the API asks for. They need the store's own access: AWS
 * credentials allowed to write the table in the cloud, or `NAS_DYNAMODB_ENDPOINT` for a dynalite.
 */
export const ADMIN_USAGE = `  admin create-key --tenant T --name N
                                create an API key for tenant T straight in the record store (table $NAS_TABLE,
                                endpoint $NAS_DYNAMODB_ENDPOINT or AWS); prints the key, the only time it is shown
  admin list-keys --tenant T    tenant T's keys: id, creation time and name (never the keys themselves)
  admin revoke-key <id> --tenant T
                                revoke tenant T's key with that id (as list-keys shows it): running services refuse
                                it within their NAS_CREDENTIAL_CACHE_SECONDS (${DEFAULT_CREDENTIAL_CACHE_SECONDS} s by default)`;

const CreateKeyOptionsSchema = z.object({
  tenant: TenantIdSchema,
  name: z.string().trim().min(1).max(200),
});
const TenantOptionsSchema = z.object({ tenant: TenantIdSchema });
/** A key id as list-keys prints it, or more of the hash it starts. */
const KEY_ID = /^[0-9a-f]{8,64}$/;

export interface AdminOptions {
  readonly tenant?: string;
  readonly name?: string;
  /** The key id of `revoke-key` (its positional argument). */
  readonly id?: string;
}

/** What a command prints: `text` for people, `data` for `--json`, and `note` on stderr (so that `$(...)` captures only the text). */
export interface AdminResult {
  readonly text: string;
  readonly data: unknown;
  readonly note?: string;
}

/** The store `nas admin` writes to, from the same settings the service reads (`NAS_TABLE`, `NAS_DYNAMODB_ENDPOINT`). */
export function adminStore(env: NodeJS.ProcessEnv = process.env): DynamoDbStore {
  return new DynamoDbStore({ tableName: readConfig(env).tableName, client: dynamoClientConfig(env) });
}

function parseOptions<T>(schema: z.ZodType<T>, options: AdminOptions, command: string): T {
  const parsed = schema.safeParse(options);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `--${issue.path.join('.')}: ${issue.message}`);
  throw new UsageError(`'nas admin ${command}' ${problems.join('; ')}`);
}

/**
 * Runs `nas admin <subcommand>`. `create-key` stores only the key's SHA-256 (`src/auth/api-keys.ts`):
 * the plain key in the result is the only copy there will ever be. `list-keys` and `revoke-key` name keys
 * by the start of that hash.
 */
export async function runAdmin(subcommand: string | undefined, options: AdminOptions, store: Store, now: Date): Promise<AdminResult> {
  switch (subcommand) {
    case 'create-key': {
      const { tenant, name } = parseOptions(CreateKeyOptionsSchema, options, 'create-key');
      const key = await issueApiKey(store, tenant, name, now);
      return {
        text: key,
        data: { tenantId: tenant, name, key, createdAt: now.toISOString() },
        note: `created API key '${name}' for tenant '${tenant}': keep it now, it is not stored and cannot be shown again`,
      };
    }
    case 'list-keys': {
      const { tenant } = parseOptions(TenantOptionsSchema, options, 'list-keys');
      const keys = await listApiKeys(store, tenant);
      return {
        text: keys.length === 0 ? `tenant '${tenant}' has no API keys` : table([['id', 'created', 'name'], ...keys.map((key) => [key.id, key.createdAt, key.name])]),
        data: { tenantId: tenant, keys },
      };
    }
    case 'revoke-key': {
      const { tenant } = parseOptions(TenantOptionsSchema, options, 'revoke-key');
      const id = options.id?.toLowerCase();
      if (!id || !KEY_ID.test(id)) {
        throw new UsageError(`'nas admin revoke-key' needs the key's id as list-keys shows it (8-64 hex digits): nas admin revoke-key <id> --tenant ${tenant}`);
      }
      const matches = await keysMatching(store, tenant, id);
      if (matches.length === 0) throw new UsageError(`tenant '${tenant}' has no API key with id '${id}' ('nas admin list-keys --tenant ${tenant}' lists them)`);
      if (matches.length > 1) throw new UsageError(`id '${id}' matches ${matches.length} keys of tenant '${tenant}': give more of it`);
      const key = matches[0]!;
      await store.deleteApiKey(tenant, key.keyHash);
      const listing = keyListing(key);
      return {
        text: `revoked API key '${listing.name}' (${listing.id}) of tenant '${tenant}'`,
        data: { tenantId: tenant, revoked: listing },
        // The service is another process: its API instances trust a key they found for a few seconds.
        note: `running API instances refuse it once their credential cache lets go of it: within NAS_CREDENTIAL_CACHE_SECONDS (${DEFAULT_CREDENTIAL_CACHE_SECONDS} s by default)`,
      };
    }
    default:
      throw new UsageError(subcommand ? `unknown admin command '${subcommand}'` : "'nas admin' needs a command: create-key, list-keys or revoke-key");
  }
}
