// What every section shares: the open library, its campaign, and a revision that says "the
// catalog changed". A section that shows the catalog watches `revision` and loads again; the
// one that changed it calls `catalogChanged()` — no section reaches into another.
import { reactive } from "vue";
import { api, type Campaign, type LibraryInfo } from "./api";

export const store = reactive({
  library: null as LibraryInfo | null,
  campaign: null as Campaign | null,
  revision: 0,
});

/** The catalog changed (works, reviews, batches, the office): every section recounts. */
export function catalogChanged() {
  store.revision += 1;
}

export function setLibrary(info: LibraryInfo | null) {
  store.library = info;
  if (!info) store.campaign = null;
}

/** Reads the open library's campaign again (after opening, switching or restoring). */
export async function loadCampaign(): Promise<Campaign> {
  const campaign = await api.campaign();
  store.campaign = campaign;
  return campaign;
}
