// Checks over the rendered objects that schema validation cannot express. Components declare theirs
// (`Component.checks`); `npm run validate` runs every one of them.
import type { ManifestDoc } from '../manifests';

export interface CheckProblem {
  file: string;
  index: number;
  /** `Kind/namespace/name`, see objectRef. */
  object: string;
  /** JSON path of the offending field, e.g. `spec.endpoints[0].honorLabels`. */
  path: string;
  message: string;
}

export interface RepoCheck {
  name: string;
  run(docs: ManifestDoc[]): CheckProblem[];
}
