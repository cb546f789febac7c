"""A ratings file with one bad line, as a user meets it: `sae-movies data RELEASE --path FOLDER` on a copy of the synthetic
25M ratings (written by `sae-movies synth`, as in bench/scale.py) with one line changed, each run a fresh process timed from
start to exit with its own peak memory, its message kept. The cases:

- a line of three fields near the start, in the middle and at the end: pandas cannot read the file, so it is read again, a block of lines at a time (00_data);
- a rating off the scale, and a pair repeated from the first line, at the end: pandas reads the numbers, and only the bad line is read again;
- the file unchanged (the checksum matches and the data loads).

    .venv/bin/python bench/bad_lines.py [--sizes 25m] [--keep DIR] [--compare DIR] [--rounds 1] [--out FILE]

--compare DIR runs every case with the sae_movies in DIR as well (put first on PYTHONPATH, e.g. a `git worktree` of an
older commit), the two taking turns. Prints a table and saves bench/results/bad_lines.json (after every run, so that a run
cut short keeps what it measured).
"""
import os, re, sys, tempfile, time
from pathlib import Path
import pandas as pd
sys.path.insert(0, str(Path(__file__).parent))
from scale import SIZES, synth_folder, save_results, bench_args, run_command, two_packages, CLI
os.environ['SAE_MOVIES_CACHE'] = 'off'  # every run parses: the unchanged file is not read from a copy kept by the run before (00_data)

CASES = {'unchanged': (None, None), 'three fields, line 3': ('fields', 'start'), 'three fields, middle line': ('fields', 'middle'),
         'three fields, last line': ('fields', 'end'), 'rating off the scale, last line': ('rating', 'end'), 'repeated pair, last line': ('repeat', 'end')}

def line_at(fn:Path, where:str)->tuple: # (start offset, end offset after its '\n', line number)
    "The byte range and number of the third line ('start'), the first line to start after the middle byte, or the last line; read in blocks."
    size = fn.stat().st_size
    with open(fn, 'rb') as f:
        if where == 'start': a = len(f.readline()) + len(f.readline())
        elif where == 'middle': f.seek(size // 2); f.readline(); a = f.tell()
        else: f.seek(max(size - 4096, 0)); a = f.tell() + f.read().rstrip(b'\n').rfind(b'\n') + 1
        f.seek(a); b = a + len(f.readline()); f.seek(0)
        n, left = 1, a
        while left: n += (block := f.read(min(left, 1 << 24))).count(b'\n'); left -= len(block)
    return a, b, n

def copy_with(src:Path, dst:Path, kind:str, where:str)->int: # the number of the line changed
    "Copy `src` to `dst` with one line changed: its timestamp dropped ('fields'), its rating 9 ('rating') or the first rating's line ('repeat')."
    a, b, n = line_at(src, where)
    with open(src, 'rb') as f, open(dst, 'wb') as out:
        if src.suffix == '.csv': f.readline()  # the header
        first = f.readline(); f.seek(a); line = f.read(b - a); sep = b'::' if b'::' in line else b'\t' if b'\t' in line else b','
        fields = line.rstrip(b'\r\n').split(sep)
        new = {'fields': sep.join(fields[:3]), 'rating': sep.join(fields[:2] + [b'9'] + fields[3:]), 'repeat': first.rstrip(b'\r\n')}[kind] + b'\n'
        f.seek(0); left = a
        while left: left -= out.write(f.read(min(left, 1 << 24)))
        out.write(new); f.seek(b)
        while block := f.read(1 << 24): out.write(block)
    return n

def case_folder(folder:Path, work:Path, case:str)->tuple: # (folder, line changed or None)
    "A folder beside `work` holding the release's files, its ratings file changed as `case` says (the others linked)."
    (d := work/re.sub(r'\W+', '-', case)).mkdir(exist_ok=True)
    ratings = next(p for p in folder.iterdir() if p.name.startswith('ratings.'))
    for p in folder.iterdir():
        if p != ratings and not (d/p.name).exists(): os.link(p, d/p.name)
    kind, where = CASES[case]
    if kind is None:
        if not (d/ratings.name).exists(): os.link(ratings, d/ratings.name)
        return d, None
    return d, copy_with(ratings, d/ratings.name, kind, where)

def run(size:str, folder:Path, packages:dict, rounds:int, save)->list: # packages: name -> environment to add
    rows, release = [], SIZES[size][3]
    with tempfile.TemporaryDirectory(dir=folder.parent) as work:  # beside the data: the same disk
        made = {c: case_folder(folder, Path(work), c) for c in CASES}
        for r in range(rounds):
            for pkg in (list(packages) if r % 2 == 0 else list(packages)[::-1]):
                for case, (d, line) in made.items():
                    got = run_command([CLI, 'data', release, '--path', str(d)], env=packages[pkg])
                    msg = [l for l in got['stderr'].splitlines() if l.strip()]
                    rows.append({'size': size, 'case': case, 'package': pkg, 'round': r, 'line': line, 'status': got['code'], 'seconds': got['seconds'],
                                 'peak_gb': got['peak_gb'], 'message': msg[-1].replace(str(d), 'DIR') if msg else None})
                    save(rows)
                    print(f"{size:>4} {pkg[:22]:<22} {case:<32} {got['code']:>3} {got['seconds']:7.1f} s {got['peak_gb']:5.2f} GB  {rows[-1]['message'] or ''}"[:220], flush=True)
    return rows

if __name__ == '__main__':
    p = bench_args(__doc__, sizes='25m', compare=('', "a folder holding another sae_movies, run beside the installed one"),
                   rounds=(1, 'rounds (with --compare, the two packages take turns)'), out=('bench/results/bad_lines.json', 'results file'))
    a, t0 = p.parse_args(), time.perf_counter()
    if a.compare: _, env, sides = two_packages(a.compare)
    else: env, sides = {'installed': {}}, None
    root = Path(a.keep or tempfile.mkdtemp()); rows = []
    save = lambda rows, quiet=True: save_results(Path(a.out), t0, quiet=quiet, rows=rows, packages=sides, rounds=a.rounds,
                                                 complete=len(rows) == len(CASES) * len(env) * a.rounds * len(a.sizes.split(',')))
    for size in a.sizes.split(','):
        folder, _ = synth_folder(root, size)
        rows += run(size, folder, env, a.rounds, lambda r: save(rows + r))
    t = pd.DataFrame(rows)
    print('\nmedian seconds (peak GB):\n' + t.groupby(['size', 'case', 'package'], sort=False).agg(seconds=('seconds', 'median'), peak_gb=('peak_gb', 'median'))
          .round(2).unstack('package').to_string())
    save(rows, quiet=False)
