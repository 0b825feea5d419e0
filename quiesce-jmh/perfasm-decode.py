#!/usr/bin/env python3
"""Instruction-level profiles from JMH's perfasm where hsdis prints raw bytes.

On this project's machines perf has no hardware counters (a virtual machine: use
`-prof 'perfasm:events=cpu-clock;savePerf=true'`), and the HotSpot disassembler that Debian ships
(`apt-get install libhsdis0-fcml`, then link /usr/lib/x86_64-linux-gnu/libhsdis.so.0 as
$JAVA_HOME/lib/server/hsdis-amd64.so) prints the machine code as hex, which perfasm cannot
attribute samples to. This reads perfasm's text output (the hot regions, with their inlining
comments) and the parsed perf samples that `savePerf=true` writes, decodes the regions with
objdump, and prints either each instruction with its share of the samples or the share of each
innermost inlined method.

Usage:
  perfasm-decode.py methods  PERFASM.txt SAMPLES.perf SKIP_SECONDS
  perfasm-decode.py insns    PERFASM.txt SAMPLES.perf SKIP_SECONDS [REGIONS] [MIN_PERCENT]

PERFASM.txt is the benchmark's output with perfasm; SAMPLES.perf the file savePerf=true leaves
in the working directory (run each benchmark in a directory of its own, so there is one).
Both views are approximate:
- `methods`: perfasm prints the code a few instructions a line, and a line's samples go to the
  innermost method of the last annotation before it; HotSpot records an annotation at a pc of the
  code it describes, not always at its first instruction.
- `insns`: a region is printed from a 4-byte boundary, not an instruction's, so its first
  instruction or two may decode wrongly before objdump falls into step.

SKIP_SECONDS: the warm-up to leave out, as perfasm prints it ("skipped N seconds").
A sample's address is where the interrupted thread was to resume: the cost of a slow
instruction (a locked compare-and-swap, a load that misses) shows on the one after it.
"""
import bisect
import collections
import re
import signal
import subprocess
import sys
import tempfile

CODE = re.compile(r'^\s*(?:\d+\.\d+%)?\s*(0x[0-9a-f]+): ([0-9a-f| ]+?)\s*$')
COMMENT_AT = re.compile(r'^\s*(?:\d+\.\d+%)?\s*0x[0-9a-f]+: ;')
FRAME = re.compile(r'^\s*(?:\d+\.\d+%)?\s*; - (?:\(reexecute\) )?(\S+)@\d+')
SAMPLE = re.compile(r'^\s*([\d.]+): cpu-clock:\s+([0-9a-f]+)\s+(.*)$')


def regions(text):
    """Each hot region as a list of (address, bytes, innermost inlined method)."""
    out, cur, method, first_frame = [], None, None, None
    for line in text:
        if line.startswith('....[Hottest Regions]'):
            break                       # the summary after the last region
        if '[Hottest Region ' in line:
            cur = []
            out.append(cur)
            method = first_frame = None
            continue
        if cur is None:
            continue
        if COMMENT_AT.match(line):
            first_frame = None          # a new annotation block: its first frame is the innermost
            continue
        m = FRAME.match(line)
        if m:
            if first_frame is None:
                first_frame = m.group(1)
            continue
        m = CODE.match(line)
        if m:
            if first_frame:
                method = first_frame
            code = bytes.fromhex(m.group(2).replace('|', '').replace(' ', ''))
            cur.append((int(m.group(1), 16), code, method))
    return [r for r in out if r]


def samples(lines, skip):
    """Counter of sample addresses after the first `skip` seconds, and the symbol of each."""
    count, symbol, t0 = collections.Counter(), {}, None
    for line in lines:
        m = SAMPLE.match(line)
        if not m:
            continue
        t = float(m.group(1))
        t0 = t if t0 is None else t0
        if t - t0 < skip:
            continue
        a = int(m.group(2), 16)
        count[a] += 1
        symbol.setdefault(a, m.group(3)[:70])
    return count, symbol


def disassemble(region):
    base, data = region[0][0], bytearray()
    for addr, code, _ in region:
        data.extend(b'\x90' * (addr - base - len(data)))   # gaps (none expected) as nops
        data.extend(code)
    with tempfile.NamedTemporaryFile() as f:
        f.write(data)
        f.flush()
        listing = subprocess.run(['objdump', '-D', '-b', 'binary', '-mi386:x86-64',
                                  '--adjust-vma=' + hex(base), f.name],
                                 capture_output=True, text=True, check=True).stdout
    for line in listing.splitlines():
        m = re.match(r'^\s*([0-9a-f]+):\s+(?:[0-9a-f]{2} )+\s*(.*)$', line)
        if m and m.group(2):            # not the continuation of a long instruction's bytes
            yield int(m.group(1), 16), m.group(2)


def main(argv):
    if len(argv) < 5 or argv[1] not in ('methods', 'insns'):
        sys.exit(__doc__)
    text = open(argv[2]).read().splitlines()
    count, symbol = samples(open(argv[3]).read().splitlines(), float(argv[4]))
    total = sum(count.values())
    if total == 0:
        sys.exit('no cpu-clock samples after %s s in %s: is it the savePerf file of a run with '
                 'events=cpu-clock?' % (argv[4], argv[3]))
    hot = regions(text)
    if not hot:
        sys.exit('no hot regions with machine code in ' + argv[2])
    if argv[1] == 'methods':
        spans = sorted((a, a + len(c), m or '?') for r in hot for a, c, m in r)
        starts = [s[0] for s in spans]
        by_method, outside = collections.Counter(), collections.Counter()
        for a, n in count.items():
            i = bisect.bisect_right(starts, a) - 1
            if i >= 0 and a < spans[i][1]:
                by_method[spans[i][2]] += n
            else:
                outside[symbol[a]] += n
        for name, n in by_method.most_common(25):
            print(f'{100.0 * n / total:6.2f}%  {name}')
        print('--- samples outside the decoded regions')
        for name, n in outside.most_common(12):
            print(f'{100.0 * n / total:6.2f}%  {name}')
        return
    limit = int(argv[5]) if len(argv) > 5 else len(hot)
    floor = float(argv[6]) if len(argv) > 6 else 0.0
    for region in hot[:limit]:
        shown, region_sum = [], 0
        for addr, insn in disassemble(region):
            share = 100.0 * count.get(addr, 0) / total
            region_sum += share
            if share >= floor:
                shown.append(f'{share:6.2f}%  {addr:x}: {insn}')
        print(f'=== region at {region[0][0]:x}: {region_sum:.2f}% of the samples')
        print('\n'.join(shown))


if __name__ == '__main__':
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)    # quiet when piped into head
    main(sys.argv)
