// Written by `npm run profiles` from the flow files of src/flows/: do not edit; `npm test` fails when it drifts.
import { contract } from './contract.ts';
import { embed } from './embed.ts';
import { render } from './render.ts';

/** Every flow the package runs, by name. */
export const FLOWS = { contract, embed, render };
