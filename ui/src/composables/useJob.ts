// A long job the window started (an import, an export, a send, a printed document): its id,
// chosen before it starts so that 取消 reaches it from its first moment; its progress as the
// core reports it; and cancel. A new start replaces the job before it: only the newest one's
// progress is shown, and `isCurrent` tells a finished job whether anyone still waits for it.
import { ref, type Ref } from "vue";
import { api, newJobId } from "../api";

export function useJob<P>() {
  const id = ref(0);
  const running = ref(false);
  const progress = ref(null) as Ref<P | null>;

  function isCurrent(job: number): boolean {
    return id.value === job;
  }

  /** Runs `work` as a new job; its progress lands in `progress` while it is the current one. */
  async function start<T>(work: (job: number, onProgress: (p: P) => void) => Promise<T>): Promise<T> {
    const job = newJobId();
    id.value = job;
    running.value = true;
    progress.value = null;
    try {
      return await work(job, (p) => {
        if (isCurrent(job)) progress.value = p;
      });
    } finally {
      if (isCurrent(job)) running.value = false;
    }
  }

  /** Asks the current job to stop at its next safe point (it reports `cancelled` then); a job
   * already gone is no error. Forgets it, so nothing it still reports is shown. */
  async function cancel(options: { forget?: boolean } = {}) {
    const job = id.value;
    if (!job) return;
    if (options.forget) {
      id.value = 0;
      running.value = false;
    }
    await api.cancelJob(job).catch(() => undefined);
  }

  return { id, running, progress, start, cancel, isCurrent };
}
