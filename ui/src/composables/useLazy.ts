// What the first screen does not need is fetched after it: a section or a dialog is its own
// chunk, mounted the first time the clerk goes there and kept mounted after (its state, its
// closing animation).
import { ref, watch, type Ref, type WatchSource } from "vue";

/** True from the first moment `shown` is true on. */
export function mountedOnceShown(shown: WatchSource<boolean>): Ref<boolean> {
  const mounted = ref(false);
  const stop = watch(
    shown,
    (v) => {
      if (!v) return;
      mounted.value = true;
      // `stop` is not there yet when the first call comes from `immediate`.
      queueMicrotask(() => stop());
    },
    { immediate: true },
  );
  return mounted;
}

/** The component behind a template ref, once its chunk has come and it is mounted. */
export function whenMounted<T>(target: Ref<T | null>): Promise<T> {
  if (target.value) return Promise.resolve(target.value);
  return new Promise((resolve) => {
    const stop = watch(target, (v) => {
      if (!v) return;
      stop();
      resolve(v);
    });
  });
}
