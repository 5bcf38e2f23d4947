// A field's error message goes away as soon as the clerk changes that field, so the form never
// shows a complaint about something already fixed.
import { watch, type Ref } from "vue";

function snapshot(form: object): Record<string, string> {
  return Object.fromEntries(Object.entries(form).map(([k, v]) => [k, JSON.stringify(v)]));
}

export function clearErrorsOnEdit(form: object, errors: Ref<Record<string, string>>) {
  let last = snapshot(form);
  watch(
    () => snapshot(form),
    (now) => {
      for (const key of Object.keys(now)) {
        if (now[key] !== last[key]) {
          const rest = { ...errors.value };
          delete rest[key];
          errors.value = rest;
        }
      }
      last = now;
    },
  );
}
