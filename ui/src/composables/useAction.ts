// One way to run what the clerk asked for: a busy flag for the button, and when the core
// refuses, its Chinese message in one error toast. Every view used to write this by hand.
import { ref } from "vue";
import { ElMessage, ElMessageBox } from "element-plus";
import { asApiError, fieldErrors, type ApiError } from "../api";

export interface ToastOptions {
  /** How long the toast stays (ms): longer for a sending or printing error the clerk must
   * read to act on. Element Plus's 3 s otherwise. */
  duration?: number;
}

/** Shows what went wrong as the one error toast, and gives it back as an ApiError. */
export function showError(e: unknown, options: ToastOptions = {}): ApiError {
  const err = asApiError(e);
  if (options.duration) ElMessage({ type: "error", message: err.message, duration: options.duration });
  else ElMessage.error(err.message);
  return err;
}

/** `run(work)`: `busy` while it runs; its value, or `undefined` after the toast when it
 * failed. */
export function useAction() {
  const busy = ref(false);
  async function run<T>(work: () => Promise<T>, options: ToastOptions = {}): Promise<T | undefined> {
    busy.value = true;
    try {
      return await work();
    } catch (e) {
      showError(e, options);
      return undefined;
    } finally {
      busy.value = false;
    }
  }
  return { busy, run };
}

/** Runs `work`, showing the toast if it fails; true when it succeeded. For the many actions
 * that need no busy flag of their own. */
export async function attempt(work: () => Promise<unknown>, options: ToastOptions = {}): Promise<boolean> {
  try {
    await work();
    return true;
  } catch (e) {
    showError(e, options);
    return false;
  }
}

/** A form's error: the message under each field the core named, or — when it named none —
 * the one toast. */
export function formErrors(e: unknown, options: ToastOptions = {}): Record<string, string> {
  const err = asApiError(e);
  if (err.fields.length === 0) showError(err, options);
  return fieldErrors(err);
}

/** Asks once before something the clerk must mean (删除, 恢复 …); true when she confirms. */
export async function confirmed(
  message: string,
  title: string,
  confirmButtonText: string,
  type: "warning" | "info" = "warning",
): Promise<boolean> {
  try {
    await ElMessageBox.confirm(message, title, { confirmButtonText, cancelButtonText: "取消", type });
    return true;
  } catch {
    return false;
  }
}
