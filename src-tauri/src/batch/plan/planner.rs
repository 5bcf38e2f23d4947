//! The planner itself: works placed message by message, zips opened and closed, files too
//! big for a message cut into volumes, names kept distinct — see `plan.rs` for the rules and
//! the sizes it keeps to.

use std::collections::HashSet;

use super::*;

pub(super) fn digits(n: u64) -> usize {
    n.max(1).ilog10() as usize + 1
}

pub(super) fn zip_name(base: &str, k: &str, n: &str) -> String {
    format!("{base}-第{k}包-共{n}包.zip")
}

pub(super) fn volume_name(source: &str, index: u32, count: u32) -> String {
    let width = digits(u64::from(count)).max(3);
    format!("{source}.{index:0width$}")
}

/// Largest raw size whose MIME body fits in `room` bytes (the body grows monotonically).
pub(super) fn max_raw_for(room: u64) -> u64 {
    let (mut lo, mut hi) = (0u64, room);
    while lo < hi {
        let mid = lo + (hi - lo).div_ceil(2);
        if mime_base64_bytes(mid) <= room {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    lo
}

pub(super) fn fold(s: &str) -> String {
    s.chars()
        .flat_map(char::to_uppercase)
        .flat_map(char::to_lowercase)
        .collect()
}

pub(super) fn basename(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// Inserts " (n)" before the extension; the recipient saves all attachments into one
/// folder, so two works with one file name would overwrite each other.
pub(super) fn with_counter(name: &str, n: u64) -> String {
    match name.rfind('.') {
        Some(i) if i > 0 => format!("{} ({n}){}", &name[..i], &name[i..]),
        _ => format!("{name} ({n})"),
    }
}

/// How a file too big for one message is cut: `count` volumes of at most `cap` bytes,
/// numbered with `width` digits.
struct Volumes {
    cap: u64,
    count: u64,
    width: usize,
}

#[derive(Debug)]
pub(super) enum Draft {
    Ready(Attachment),
    Zip {
        package: u32,
        paths: Vec<String>,
        raw: u64,
    },
    Volume {
        package: u32,
        source_name: Option<String>,
        path: String,
        index: u32,
        count: u32,
        offset: u64,
        len: u64,
    },
}

#[derive(Debug, Default)]
pub(super) struct OpenZip {
    package: u32,
    entries: Vec<(String, u64)>,
}

#[derive(Debug, Default)]
pub(super) struct MessageDraft {
    pub(super) items: Vec<Draft>,
    /// Encoded bytes of `items`.
    pub(super) used: u64,
    pub(super) zip: Option<OpenZip>,
}

impl MessageDraft {
    fn is_empty(&self) -> bool {
        self.items.is_empty() && self.zip.is_none()
    }
}

pub(super) struct Planner<'a, 'i> {
    pub(super) input: &'a PlanInput<'i>,
    /// Byte length assumed for every zip name while k and N are unknown: both numbers
    /// written with `width` digits, never less than the final name.
    pub(super) zip_name_len: u64,
    pub(super) messages: Vec<MessageDraft>,
    pub(super) current: MessageDraft,
    pub(super) separate: Vec<SeparateFile>,
    pub(super) packages: u32,
    pub(super) used_names: HashSet<String>,
}

impl Planner<'_, '_> {
    fn zip_encoded(&self, entries: &[(String, u64)], extra: Option<(&str, u64)>) -> (u64, u64) {
        let mut list: Vec<(&str, u64)> = entries.iter().map(|(p, s)| (p.as_str(), *s)).collect();
        list.extend(extra);
        let n = list.len();
        list.push((MANIFEST_NAME, part_manifest_budget(n)));
        let raw = zip_size(&list);
        (raw, encoded_attachment(self.zip_name_len, raw + ZIP_MARGIN))
    }

    fn current_total(&self) -> u64 {
        let zip = match &self.current.zip {
            Some(z) => self.zip_encoded(&z.entries, None).1,
            None => 0,
        };
        MESSAGE_OVERHEAD + self.current.used + zip
    }

    fn close_zip(&mut self) {
        if let Some(z) = self.current.zip.take() {
            let (raw, enc) = self.zip_encoded(&z.entries, None);
            self.current.used += enc;
            self.current.items.push(Draft::Zip {
                package: z.package,
                paths: z.entries.into_iter().map(|(p, _)| p).collect(),
                raw,
            });
        }
    }

    fn close_message(&mut self) {
        self.close_zip();
        if !self.current.is_empty() {
            let done = std::mem::take(&mut self.current);
            self.messages.push(done);
        }
    }

    fn push_item(&mut self, item: Draft, encoded: u64) {
        self.current.used += encoded;
        self.current.items.push(item);
    }

    fn unique_name(&self, name: &str) -> String {
        let mut cand = name.to_string();
        let mut n = 2;
        while self.used_names.contains(&fold(&cand)) {
            cand = with_counter(name, n);
            n += 1;
        }
        cand
    }

    fn take_name(&mut self, name: &str) {
        self.used_names.insert(fold(name));
    }

    fn next_package(&mut self) -> u32 {
        self.packages += 1;
        self.packages
    }

    fn add_to_zip(&mut self, file: &PlanFile) -> bool {
        let max = self.input.max_message_bytes;
        let alone = MESSAGE_OVERHEAD + self.zip_encoded(&[], Some((&file.path, file.size))).1;
        if alone > max {
            return false;
        }
        let entries: &[(String, u64)] = match &self.current.zip {
            Some(z) => &z.entries,
            None => &[],
        };
        let with = MESSAGE_OVERHEAD
            + self.current.used
            + self.zip_encoded(entries, Some((&file.path, file.size))).1;
        if with > max {
            self.close_message();
        }
        if self.current.zip.is_none() {
            let package = self.next_package();
            self.current.zip = Some(OpenZip {
                package,
                entries: Vec::new(),
            });
        }
        if let Some(z) = self.current.zip.as_mut() {
            z.entries.push((file.path.clone(), file.size));
        }
        true
    }

    fn add_plain(&mut self, file: &PlanFile) -> bool {
        let max = self.input.max_message_bytes;
        let name = self.unique_name(basename(&file.path));
        let enc = encoded_attachment(name.len() as u64, file.size);
        if MESSAGE_OVERHEAD + enc > max {
            return false;
        }
        if self.current_total() + enc > max {
            self.close_message();
        }
        self.take_name(&name);
        let att = Attachment {
            name,
            raw_bytes: file.size,
            encoded_bytes: enc,
            content: Content::File {
                path: file.path.clone(),
            },
        };
        self.push_item(Draft::Ready(att), enc);
        true
    }

    /// The volume size and count for a source whose name is `source_len` bytes long: the
    /// width of the volume number grows with the count, and the name with the width.
    fn volumes_for(
        &self,
        file: &PlanFile,
        source_len: u64,
        source_size: u64,
    ) -> Result<Volumes, PlanError> {
        let max = self.input.max_message_bytes;
        let mut width = 3usize;
        loop {
            let name_len = source_len + 1 + width as u64;
            let fixed = MESSAGE_OVERHEAD + overhead_for_len(name_len);
            let room = max.saturating_sub(fixed);
            let cap = max_raw_for(room);
            if cap < MIN_VOLUME_BYTES {
                return Err(PlanError::VolumeTooSmall {
                    limit: max,
                    needed: fixed + mime_base64_bytes(MIN_VOLUME_BYTES),
                });
            }
            let count = source_size.div_ceil(cap);
            if count > MAX_VOLUMES {
                return Err(PlanError::TooManyVolumes {
                    path: file.path.clone(),
                    size: file.size,
                    limit: max,
                    volumes: count,
                });
            }
            if digits(count) > width {
                width = digits(count);
                continue;
            }
            return Ok(Volumes { cap, count, width });
        }
    }

    /// A source name none of whose volumes (`name.001` …) is already an attachment's name —
    /// a work may itself be called `作品.mp4.002` — with its volume size and count. The
    /// volume names are taken, so no later file gets one of them either.
    fn name_volumes(&mut self, file: &PlanFile) -> Result<(String, Volumes), PlanError> {
        let base = basename(&file.path);
        let mut n = 1;
        loop {
            let cand = if n == 1 {
                base.to_string()
            } else {
                with_counter(base, n)
            };
            n += 1;
            if self.used_names.contains(&fold(&cand)) {
                continue;
            }
            let volumes = self.volumes_for(file, cand.len() as u64, file.size)?;
            let count32 = u32::try_from(volumes.count).unwrap_or(u32::MAX);
            let clash = (1..=count32).any(|i| {
                self.used_names
                    .contains(&fold(&volume_name(&cand, i, count32)))
            });
            if clash {
                continue;
            }
            self.take_name(&cand);
            for i in 1..=count32 {
                self.take_name(&volume_name(&cand, i, count32));
            }
            return Ok((cand, volumes));
        }
    }

    fn split(&mut self, file: &PlanFile) -> Result<(), PlanError> {
        let (source_name, source_len, source_size, volumes, package) = match self.input.packing {
            Packing::Zip => {
                let size = zip_size(&[
                    (&file.path, file.size),
                    (MANIFEST_NAME, part_manifest_budget(1)),
                ]);
                let volumes = self.volumes_for(file, self.zip_name_len, size)?;
                (None, self.zip_name_len, size, volumes, self.next_package())
            }
            Packing::Attachments => {
                let (name, volumes) = self.name_volumes(file)?;
                let len = name.len() as u64;
                (Some(name), len, file.size, volumes, 0)
            }
        };
        let Volumes { cap, count, width } = volumes;
        let count = u32::try_from(count).unwrap_or(u32::MAX);
        let name_len = source_len + 1 + width as u64;
        self.close_message();
        for index in 1..=count {
            let offset = u64::from(index - 1) * cap;
            let len = cap.min(source_size - offset);
            let enc = encoded_attachment(name_len, len);
            self.push_item(
                Draft::Volume {
                    package,
                    source_name: source_name.clone(),
                    path: file.path.clone(),
                    index,
                    count,
                    offset,
                    len,
                },
                enc,
            );
            if index < count {
                self.close_message();
            }
        }
        Ok(())
    }

    pub(super) fn run(&mut self) -> Result<(), PlanError> {
        let input = self.input;
        let max = input.max_message_bytes;
        let mut extras_total = MESSAGE_OVERHEAD;
        for (name, size) in input.first_extras {
            let enc = encoded_attachment(name.len() as u64, *size);
            extras_total += enc;
            self.take_name(name);
            let att = Attachment {
                name: name.clone(),
                raw_bytes: *size,
                encoded_bytes: enc,
                content: Content::File { path: name.clone() },
            };
            self.push_item(Draft::Ready(att), enc);
        }
        if extras_total > max {
            return Err(PlanError::ExtrasTooLarge {
                limit: max,
                needed: extras_total,
            });
        }
        let chosen: HashSet<&str> = input.separate.iter().map(String::as_str).collect();
        for file in input.files {
            if chosen.contains(file.path.as_str()) {
                self.set_aside(file, SeparateReason::Chosen);
                continue;
            }
            let placed = match input.packing {
                Packing::Zip => self.add_to_zip(file),
                Packing::Attachments => self.add_plain(file),
            };
            if placed {
                continue;
            }
            match input.default_route {
                OversizeRoute::Separate => self.set_aside(file, SeparateReason::TooLarge),
                OversizeRoute::Split => self.split(file)?,
            }
        }
        self.close_message();
        Ok(())
    }

    fn set_aside(&mut self, file: &PlanFile, reason: SeparateReason) {
        self.separate.push(SeparateFile {
            path: file.path.clone(),
            size: file.size,
            sha256: file.sha256.clone(),
            reason,
        });
    }

    /// Names zips now that N is known and recomputes every size from the final names
    /// (never more than planned: the final names are no longer than the assumed ones).
    pub(super) fn finish(self, base: &str) -> MailPlan {
        let total = self.packages.to_string();
        let mut messages = Vec::with_capacity(self.messages.len());
        for (i, draft) in self.messages.into_iter().enumerate() {
            let mut attachments = Vec::with_capacity(draft.items.len());
            for item in draft.items {
                attachments.push(match item {
                    Draft::Ready(a) => a,
                    Draft::Zip {
                        package,
                        paths,
                        raw,
                    } => {
                        let name = zip_name(base, &package.to_string(), &total);
                        Attachment {
                            encoded_bytes: encoded_attachment(name.len() as u64, raw + ZIP_MARGIN),
                            name,
                            raw_bytes: raw,
                            content: Content::Zip { paths },
                        }
                    }
                    Draft::Volume {
                        package,
                        source_name,
                        path,
                        index,
                        count,
                        offset,
                        len,
                    } => {
                        let source_name = source_name
                            .unwrap_or_else(|| zip_name(base, &package.to_string(), &total));
                        let name = volume_name(&source_name, index, count);
                        Attachment {
                            encoded_bytes: encoded_attachment(name.len() as u64, len),
                            name,
                            raw_bytes: len,
                            content: Content::Volume {
                                source_name,
                                paths: vec![path],
                                index,
                                count,
                                offset,
                                len,
                            },
                        }
                    }
                });
            }
            let encoded_bytes =
                MESSAGE_OVERHEAD + attachments.iter().map(|a| a.encoded_bytes).sum::<u64>();
            messages.push(Message {
                index: u32::try_from(i + 1).unwrap_or(u32::MAX),
                attachments,
                encoded_bytes,
            });
        }
        MailPlan {
            messages,
            separate: self.separate,
            max_message_bytes: self.input.max_message_bytes,
        }
    }
}
