import type { Toolbox } from '@distillery/dealership';
import { z } from 'zod';

/** A one-tool dealership for the API's specs: `dealershipInfo` answers the opening hours. */
export const HOURS_TOOLBOX: Toolbox = {
  catalog: { dealershipInfo: { args: z.object({}) } },
  describe: () => [{ name: 'dealershipInfo', description: 'Hours.', argsSchema: {}, returns: '{ok, hours}' }],
  rulesText: async () => 'Open daily 9-18.',
  bind: () => ({ dealershipInfo: async () => ({ ok: true, hours: '9-18' }) }),
};
