// What `edgeinfer classify DIR` takes from a folder, and the per-file refusals it reports instead of
// skipping files silently. Only the folder's own entries (no recursion), in name order:
// - .jpg, .jpeg, .png: classified;
// - other image extensions (.webp, .gif, ...): listed too, so each gets one "unsupported format" line
//   (edgeinfer ships no decoder for them; the bytes decide, so a mislabelled JPEG still classifies);
// - symbolic links: followed, inside or outside the folder, when they resolve to a regular file (the
//   reader checks that again on the open handle, with its size limit); a link that resolves to anything
//   else (nothing, a folder, a device) is reported as skipped;
// - subfolders and files with other extensions are not images here and are left out.
import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { InputError } from '../errors.js';
import { fileKind } from '../node-file.js';

export const CLASSIFIED_EXTENSIONS: ReadonlySet<string> = new Set(['.jpg', '.jpeg', '.png']);
/** Image extensions we can name but not decode: each such file is reported, not skipped silently. */
export const UNSUPPORTED_EXTENSIONS: ReadonlySet<string> = new Set(['.webp', '.gif', '.bmp', '.tif', '.tiff', '.avif', '.heic', '.heif']);

/** A folder entry to classify, or one that is reported (`refused`) without being read. */
export interface FolderEntry {
  readonly file: string;
  readonly refused?: string;
}

/** The image entries of `dir` in name order; an empty list when it has none. */
export async function listImageFolder(dir: string): Promise<FolderEntry[]> {
  const entries = (await readdir(dir, { withFileTypes: true }))
    .filter((e) => (e.isFile() || e.isSymbolicLink()) && isImageName(e.name))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return Promise.all(entries.map(async (e): Promise<FolderEntry> => {
    const file = join(dir, e.name);
    if (!e.isSymbolicLink()) return { file };
    const target = await stat(file).catch((err: { code?: string }) => err.code ?? 'unreadable');
    if (typeof target !== 'string' && target.isFile()) return { file };
    const why = typeof target === 'string' ? (target === 'ENOENT' ? 'its target does not exist' : `its target cannot be read (${target})`) : `it points to ${fileKind(target)}`;
    return { file, refused: `skipped ${file}: a symbolic link that does not resolve to a regular file (${why})` };
  }));
}

function isImageName(name: string): boolean {
  const ext = extname(name).toLowerCase();
  return CLASSIFIED_EXTENSIONS.has(ext) || UNSUPPORTED_EXTENSIONS.has(ext);
}

/**
 * The decoder's "not a JPEG or PNG image (looks like WebP)" as one clear line: the format is known but
 * edgeinfer has no decoder for it. Other errors are returned as they are.
 */
export function unsupportedFormat(e: InputError, file: string): InputError {
  if (e.expected !== 'JPEG or PNG' || e.received === undefined || !/^[A-Z][A-Za-z/]+$/.test(e.received)) return e;
  return new InputError(`${file}: unsupported format ${e.received} (edgeinfer decodes JPEG and PNG; convert it to one of them)`, {}, { cause: e });
}
