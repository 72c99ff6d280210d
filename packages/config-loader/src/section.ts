import { apiResourceSchema, apiScopeSchema, clientSchema, identityResourceSchema } from '@idsrv/model';
import { z } from 'zod';

/** The name of the section IdentityServer reads its in-memory clients and resources from. */
export const IDENTITY_SERVER_SECTION = 'IdentityServer';

/**
 * The `IdentityServer` section as `AddInMemoryClients(configuration.GetSection("IdentityServer:Clients"))` and its
 * siblings read it. Binding follows it; the model's `validateDefinitions` then checks the lists as a whole.
 */
export const identityServerSectionSchema = z.strictObject({
  issuerUri: z.string().optional(),
  clients: z.array(clientSchema).optional(),
  apiScopes: z.array(apiScopeSchema).optional(),
  apiResources: z.array(apiResourceSchema).optional(),
  identityResources: z.array(identityResourceSchema).optional(),
});

/** What binding gives for the section, before validation. */
export interface BoundIdentityServerSection {
  issuerUri?: unknown;
  clients?: unknown;
  apiScopes?: unknown;
  apiResources?: unknown;
  identityResources?: unknown;
}
