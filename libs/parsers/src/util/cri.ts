/**
 * Container runtime (CRI) log lines, as containerd and CRI-O write a container's stdout/stderr under
 * `/var/log/pods/…`: `<RFC 3339 nano time> <stdout|stderr> <F|P> <message>`, `P` marking a partial
 * line continued by the next record and `F` the last part
 * (https://github.com/kubernetes/design-proposals-archive/blob/main/node/kubelet-cri-logging.md).
 * Pure helpers; no I/O.
 */

const CRI = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})) (stdout|stderr) ([FP]) ?/;

/** One CRI record split into its parts. */
export interface CriLine {
  /** The runtime's receive time as logged (RFC 3339 with nanoseconds). */
  time: string;
  stream: 'stdout' | 'stderr';
  /** True for `P`: the message continues in the next record. */
  partial: boolean;
  message: string;
}

/** The CRI parts of `line`, or undefined when it has no CRI prefix. */
export function splitCri(line: string): CriLine | undefined {
  const m = CRI.exec(line);
  if (!m) return undefined;
  return { time: m[1], stream: m[2] as 'stdout' | 'stderr', partial: m[3] === 'P', message: line.slice(m[0].length) };
}

/**
 * Joins CRI partial records (`P` … `F`) of one stream back into whole messages. Feed every line in
 * order; a line without a CRI prefix is passed through unchanged. Bounded: a partial run longer than
 * `maxChars` is given up and the pieces are returned as they are.
 */
export class CriJoiner {
  private pending = '';
  constructor(private readonly maxChars = 1 << 20) {}

  /** The whole message this line completes (`undefined` while a partial run continues), and the CRI prefix when there was one. */
  push(line: string): { message: string; cri?: CriLine } | undefined {
    const cri = splitCri(line);
    if (!cri) {
      this.pending = '';
      return { message: line };
    }
    if (cri.partial) {
      this.pending += cri.message;
      if (this.pending.length > this.maxChars) {
        const message = this.pending;
        this.pending = '';
        return { message, cri };
      }
      return undefined;
    }
    const message = this.pending + cri.message;
    this.pending = '';
    return { message, cri };
  }
}
