// Repo check: every rendered collector config that ships to S3 partitions its keys by cluster and date, and buffers
// on disk rather than in memory only.
import { parse } from 'yaml';
import type { CheckProblem, RepoCheck } from '../../generators/validate/checks';
import { objectRef, type ManifestDoc } from '../../generators/manifests';
import { CONFIG_KEY } from './collector-config';

const S3_EXPORTER = /^s3ndjson(\/.*)?$/;

function problemsOf(doc: ManifestDoc, config: Record<string, any>): CheckProblem[] {
  const problems: CheckProblem[] = [];
  const fail = (path: string, message: string) =>
    problems.push({
      file: doc.file,
      index: doc.index,
      object: objectRef(doc.object),
      path: `data.${CONFIG_KEY}: ${path}`,
      message,
    });
  const extensions = config.extensions ?? {};
  const enabledExtensions: string[] = config.service?.extensions ?? [];
  for (const [id, exporter] of Object.entries<Record<string, any>>(config.exporters ?? {})) {
    if (!S3_EXPORTER.test(id)) continue;
    const key: string = exporter?.key ?? '';
    if (!key.includes(`cluster=${doc.cluster}/`)) {
      fail(
        `exporters.${id}.key`,
        `S3 key ${JSON.stringify(key)} lacks the partition cluster=${doc.cluster}/; Athena and the IAM policy expect <dataset>/cluster=<c>/…`,
      );
    }
    if (!key.includes('dt={dt}')) {
      fail(`exporters.${id}.key`, `S3 key ${JSON.stringify(key)} lacks the partition dt={dt}; readers prune by date`);
    }
    const queue = exporter?.sending_queue;
    const storage: string | undefined = queue?.storage;
    if (!queue?.enabled || !storage) {
      fail(
        `exporters.${id}.sending_queue`,
        'the buffer is memory-only; set sending_queue.enabled and sending_queue.storage to a file_storage extension so an S3 outage or a restart loses nothing',
      );
    } else if (
      !storage.startsWith('file_storage') ||
      !extensions[storage]?.directory ||
      !enabledExtensions.includes(storage)
    ) {
      fail(
        `exporters.${id}.sending_queue.storage`,
        `${JSON.stringify(storage)} is not an enabled file_storage extension with a directory`,
      );
    }
    if (queue?.enabled && !(queue.queue_size > 0)) {
      fail(`exporters.${id}.sending_queue.queue_size`, 'the on-disk buffer needs a positive size bound');
    }
  }
  for (const [id, receiver] of Object.entries<Record<string, any>>(config.receivers ?? {})) {
    if (/^filelog(\/.*)?$/.test(id) && !receiver?.storage) {
      fail(
        `receivers.${id}.storage`,
        'the file positions are kept in memory only; set storage so a restart neither re-reads nor skips lines',
      );
    }
  }
  return problems;
}

export const logExportCheck: RepoCheck = {
  name: 'log-export-s3-partitions-and-buffers',
  run(docs) {
    return docs.flatMap((doc) => {
      const text =
        doc.object.kind === 'ConfigMap'
          ? (doc.object.data as Record<string, unknown> | undefined)?.[CONFIG_KEY]
          : undefined;
      if (typeof text !== 'string') return [];
      let config: unknown;
      try {
        config = parse(text);
      } catch (error) {
        return [
          {
            file: doc.file,
            index: doc.index,
            object: objectRef(doc.object),
            path: `data.${CONFIG_KEY}`,
            message: `is not valid YAML: ${(error as Error).message.split('\n')[0]}`,
          },
        ];
      }
      return config && typeof config === 'object' ? problemsOf(doc, config as Record<string, any>) : [];
    });
  },
};
