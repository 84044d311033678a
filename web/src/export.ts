import { strToU8, zipSync } from 'fflate';

/** CSV of a table (RFC 4180: every field quoted when it needs to be, CRLF line ends). */
export function toCsv(header: string[], rows: Array<Array<string | number | null>>): string {
  const field = (value: string | number | null): string => {
    const text = value === null ? '' : String(value);
    // A leading = + - @ would be a formula in a spreadsheet: quote it with a leading apostrophe.
    const safe = /^[=+\-@]/.test(text) && typeof value === 'string' ? `'${text}` : text;
    return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
  };
  return [header, ...rows].map((row) => row.map(field).join(',')).join('\r\n') + '\r\n';
}

export function download(name: string, data: Blob): void {
  const url = URL.createObjectURL(data);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function downloadCsv(name: string, csv: string): void {
  download(name, new Blob([csv], { type: 'text/csv;charset=utf-8' }));
}

/** Several CSVs as one ZIP (fflate, in the browser). */
export function downloadZip(name: string, files: Record<string, string>): void {
  const zipped = zipSync(
    Object.fromEntries(Object.entries(files).map(([file, text]) => [file, strToU8(text)])),
    { level: 6 },
  );
  download(name, new Blob([zipped], { type: 'application/zip' }));
}
