"""What training costs as the data grows: load time, time per epoch and peak memory against the number of ratings
(100K, 1M, 10M, 25M synthetic ratings, and ML-32M's size with `--sizes ...,32m`, each written in a release's own format
by `sae-movies synth`), for the sparse trainer (I-AutoRec, and the course network `sae`) and the course's dense loop,
in one run. bench/results/scale.json is `--sizes 100k,1m,10m,25m,32m`.

    .venv/bin/python bench/scale.py [--sizes 100k,1m,10m,25m] [--keep DIR] [--rounds 3] [--out FILE]

On a machine with a CUDA GPU the sparse models train there (their device is `auto`), and the file records it:
bench/results/scale-cuda.json is `--sizes 1m,10m,25m --rounds 1 --dense-limit 0 --out bench/results/scale-cuda.json`
on an NVIDIA H200 (16 cores), with PYTHONPATH=. as device_check.py says. Peak memory there is the host's, not the GPU's.

Every measurement runs in a fresh Python process, so its peak resident memory (ru_maxrss, data and Python included)
is its own. Epoch times are medians over the epochs run (set-up, such as building the sparse batches, is reported apart).
The dense course loop needs the users x movies matrix in memory: it is skipped, with the size it would need, where that
is over --dense-limit (and is run once). Each other measurement is repeated --rounds times, the sizes taking turns, and
the medians are reported. PyTorch is asked for huge pages, and the processor to treat denormal floats as zero, as
`sae-movies` does (`THP_MEM_ALLOC_ENABLE=0` and `SAE_MOVIES_FLUSH_DENORMAL=0` turn them off). Prints a table and saves it as bench/results/scale.json. This machine is shared and noisy: compare ratios, not
absolute times.
"""
import argparse, json, os, platform, resource, signal, subprocess, sys, tempfile, time
from contextlib import contextmanager
from pathlib import Path
import numpy as np, pandas as pd

SIZES = {'100k': (943, 1682, 100_000, 'ml-latest-small'), '1m': (6040, 3706, 1_000_209, 'ml-1m'),
         '10m': (69_878, 10_677, 10_000_054, 'ml-10m'), '25m': (162_541, 59_047, 25_000_095, 'ml-25m'),
         '32m': (200_948, 87_585, 32_000_204, 'ml-32m')}  # ML-32M's users, ratings and listed movies (not all rated), as GroupLens' README gives them

CLI = str(Path(sys.executable).parent/'sae-movies')  # the installed command, beside this Python

def peak_gb(): return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6  # Linux reports KiB

def time_epochs()->list: # the seconds of each epoch, appended as they end
    "Time every autoencoder epoch run in this process from now on (instrumentation only: the same method, timed)."
    from sae_movies.sae import AutoencoderModel
    times, epoch = [], AutoencoderModel._epoch
    def timed_epoch(self, *a):
        t = time.perf_counter(); r = epoch(self, *a); times.append(time.perf_counter() - t); return r
    AutoencoderModel._epoch = timed_epoch
    return times

def huge_pages()->str: # how the measurements ran
    "Whether PyTorch used huge pages: as `sae-movies` does (03_train's `use_huge_pages`) unless THP_MEM_ALLOC_ENABLE says."
    return os.environ.get('THP_MEM_ALLOC_ENABLE', "1 (sae-movies' own default)")

def flush_denormal()->str: # how the measurements ran
    "Whether denormal floats were treated as zero: as `sae-movies` does (03_train's `use_flush_denormal`) unless SAE_MOVIES_FLUSH_DENORMAL says."
    return os.environ.get('SAE_MOVIES_FLUSH_DENORMAL', "1 (sae-movies' own default)")

def as_the_command():
    "Ask PyTorch for huge pages and the processor to treat denormal floats as zero, as `sae-movies` does: before any tensor and any worker thread."
    from sae_movies.train import use_huge_pages, use_flush_denormal
    use_huge_pages(); use_flush_denormal()

def child(kind, folder, release, epochs):
    "One measurement in this (fresh) process; prints a JSON object."
    t0 = time.perf_counter()
    as_the_command()
    os.environ['SAE_MOVIES_CACHE'] = 'off'  # load_s times the parse, not a copy kept by an earlier run (00_data)
    from sae_movies.data import load_dataset, ratings_csr
    ds = load_dataset(release, path=folder)
    R = ratings_csr(ds.ratings, ds.imap)
    out = {'load_s': time.perf_counter() - t0}
    if kind == 'load': return {**out, 'peak_gb': peak_gb()}
    if kind == 'dense-course':
        import torch
        from sae_movies.sae import train_course
        t = time.perf_counter(); M = torch.from_numpy(R.toarray()); dense_s = time.perf_counter() - t
        t = time.perf_counter(); train_course(M, epochs=1, progress=False)
        return {**out, 'densify_s': dense_s, 'epoch_s': time.perf_counter() - t, 'epochs': 1, 'peak_gb': peak_gb()}
    from sae_movies.models import model_class
    times = time_epochs()
    m = model_class(kind.split('-', 1)[1])(epochs=epochs, valid_frac=0, refit=False, threads=0)
    m.fit(ds.ratings, imap=ds.imap, scale=ds.info.rating_scale)
    return {**out, 'epoch_s': float(np.median(times)), 'epochs': len(times), 'setup_s': m.fit_seconds - sum(times), 'peak_gb': peak_gb()}

def answer_child(child):
    "In a process that `measure` started as `script --child ARGS`: print `child(*ARGS)` as JSON (the last argument a number) and exit."
    if len(sys.argv) > 1 and sys.argv[1] == '--child':
        print(json.dumps(child(*sys.argv[2:-1], int(sys.argv[-1])))); sys.exit()

def bench_args(doc:str, # the script's docstring: its first paragraph describes the command
               sizes:str='1m,10m,25m', # the default of --sizes
               **options # more options, as name=(default, help); each takes the type of its default
              )->argparse.ArgumentParser:
    "A benchmark's command line: --sizes, --keep (the synthetic data's folder, shared between the scripts) and `options`."
    p = argparse.ArgumentParser(description=doc.split('\n\n')[0])
    p.add_argument('--sizes', default=sizes, help=f'comma-separated, of {",".join(SIZES)}')
    p.add_argument('--keep', help='folder for the generated data (kept; shared with the other scripts\' --keep)')
    for name, (default, help) in options.items(): p.add_argument(f'--{name.replace("_", "-")}', type=type(default), default=default, help=help)
    return p

def measure(kind, folder, release, epochs, script=__file__):
    "Run `script --child ...` in a fresh Python process; its JSON answer."
    r = subprocess.run([sys.executable, script, '--child', kind, str(folder), release, str(epochs)], capture_output=True, text=True)
    if r.returncode: raise SystemExit(f'{kind} on {folder} failed:\n{r.stderr[-3000:]}')
    return json.loads(r.stdout.strip().splitlines()[-1])

def take_turns(folders:dict, # size -> its data folder (see `synth_folder`)
               kinds:list, epochs:int, rounds:int, script:str # the script whose `--child KIND ...` measures one kind
              )->dict: # {(size, kind): [each round's answer]}
    "Measure every kind at every size in fresh processes, `rounds` times, sizes and kinds taking turns so that a slow spell of the machine falls on all of them."
    got = {(s, k): [] for s in folders for k in kinds}
    for _ in range(rounds):
        for s, folder in folders.items():
            for k in kinds:
                got[s, k].append(measure(k, folder, SIZES[s][3], epochs, script=script))
                print(s, k, round(got[s, k][-1]['epoch_s'], 3), 's an epoch', flush=True)
    return got

def machine()->str: return f'{platform.processor() or platform.machine()}, {os.cpu_count()} cores'

def save_results(out:Path, t0:float, # the results file; when the run began (time.perf_counter)
                 machine_info:str=None, # the machine as the results name it (default: `machine()`)
                 quiet:bool=False, # say nothing (a script saving as it goes)
                 **fields)->Path:
    "Write a benchmark's results as JSON with the machine, the date and the run's seconds, replaced whole or not at all."
    from sae_movies.core import atomic_write  # imported late: the measuring process keeps torch out of itself while its children run
    atomic_write(out, lambda tmp: tmp.write_text(json.dumps({**fields, 'machine': machine_info or machine(), 'date': time.strftime('%Y-%m-%d %H:%M'),
                                                             'seconds': time.perf_counter() - t0}, indent=1, default=float) + '\n'))
    if not quiet: print(f'\nsaved {out}')
    return out

def run_command(args:list, # the command line
                env:dict=None, # added to the environment
                limit:float=None, # seconds before it is killed, with all it started (None: none)
                watch=None, # called with its process id at every poll while it runs (a sampler of its memory, say)
                poll:float=0.05 # seconds between polls
               )->dict: # code, seconds, peak_gb, stdout, stderr, stopped
    "Run a command in a fresh process, reaped here for its wall time and its own peak resident memory (wait4), not its parent's."
    t = time.perf_counter()
    with tempfile.TemporaryFile('w+') as o, tempfile.TemporaryFile('w+') as e:
        p = subprocess.Popen(args, stdout=o, stderr=e, env={**os.environ, **(env or {})}, start_new_session=limit is not None)  # its own group: killed whole
        stopped = False
        while not (done := os.wait4(p.pid, os.WNOHANG))[0]:
            if limit is not None and time.perf_counter() - t > limit: os.killpg(p.pid, signal.SIGKILL); done = os.wait4(p.pid, 0); stopped = True; break
            if watch is not None: watch(p.pid)
            time.sleep(poll)
        _, status, usage = done; p.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - t
        o.seek(0); e.seek(0)
        return dict(code=p.returncode, seconds=seconds, peak_gb=usage.ru_maxrss / 1e6, stdout=o.read(), stderr=e.read(), stopped=stopped)

def run_checked(args:list, env:dict=None, **options)->dict: # as `run_command`
    "`run_command` (`options`: limit, watch, poll), ending the benchmark with the command's last error lines when it fails."
    r = run_command(args, env, **options)
    if r['code']: raise SystemExit(f"{' '.join(map(str, args))} failed ({r['code']}):\n{r['stderr'][-3000:]}")
    return r

def tree_kb(pid:int, file:str, key:str)->int: # kB
    "A kB field of /proc/PID/`file` (the line starting with `key`) summed over a process and every process it started (those gone meanwhile left out)."
    from sae_movies.testing import process_tree  # imported late, as in `save_results`
    total = 0
    for q in process_tree(pid):
        try: total += next(int(l.split()[1]) for l in Path(f'/proc/{q}/{file}').read_text().splitlines() if l.startswith(key))
        except (OSError, StopIteration): pass
    return total

def imported_from(env:dict)->str: # the folder of the sae_movies a command would import
    "Which sae_movies `sae-movies` imports with `env` added to the environment (asked from a neutral folder, as the command runs)."
    with tempfile.TemporaryDirectory() as tmp:
        return subprocess.run([sys.executable, '-c', 'import sae_movies, pathlib; print(pathlib.Path(sae_movies.__file__).parent.parent)'],
                              cwd=tmp, env={**os.environ, **env}, capture_output=True, text=True, check=True).stdout.strip()

def source(folder)->str: # its commit, and whether files differ from it
    "The git commit of a package's folder, marked where the package's own files (sae_movies/) differ from the commit."
    git = lambda *a: subprocess.run(['git', '-C', str(folder), *a], capture_output=True, text=True).stdout.strip()
    head = git('rev-parse', '--short', 'HEAD')
    return f"{head}{' with changes' if git('status', '--porcelain', '--', 'sae_movies') else ''}" if head else 'not a git checkout'

def two_packages(other, # a folder holding another sae_movies
                 name:str=None # how the results name it (default: its commit)
                )->tuple: # (its name, {name: environment to add}, {name: folder at commit}), the installed package named 'installed'
    "The installed sae_movies and the one in `other`, put first on PYTHONPATH, checked to be the one a command then imports."
    other, base = str(Path(other).resolve()), os.environ.get('PYTHONPATH')
    if name == 'installed': raise SystemExit('--name: "installed" names the installed package')
    name = name or f'commit {source(other)}'
    env = {'installed': {}, name: {'PYTHONPATH': os.pathsep.join(p for p in (other, base) if p)}}
    if (got := imported_from(env[name])) != other: raise SystemExit(f'--compare: with {other} first on PYTHONPATH, sae-movies still imports {got}')
    mine = imported_from({})
    return name, env, {'installed': f'{mine} at {source(mine)}', name: f'{other} at {source(other)}'}

@contextmanager
def environment(extra:dict):
    "This process's environment with `extra` added for the length of the block (for the servers it starts), then as it was."
    was = {k: os.environ.get(k) for k in extra}
    os.environ.update(extra)
    try: yield
    finally:
        for k, v in was.items():
            if v is None: os.environ.pop(k, None)
            else: os.environ[k] = v

def synth_folder(root:Path, size:str, # one of `SIZES`, or any name with `shape`
                 shape:tuple=None # (users, movies, ratings, release) instead of `SIZES[size]`
                )->tuple: # (folder, seconds it took to write; None: written by an earlier run, --keep)
    "The synthetic dataset of one of `SIZES` (or of `shape`) under `root`, written by `sae-movies synth` unless it is there already."
    n_users, n_movies, n_ratings, release = shape or SIZES[size]
    folder, t = root/f'{release}-{size}', time.perf_counter()
    if folder.exists(): return folder, None
    # in a process of its own: Linux hands a parent's resident size at fork to its children's ru_maxrss, so writing 25M
    # ratings in this process would raise every later measurement's peak memory to the writer's (2.8 GB)
    subprocess.run([sys.executable, '-m', 'sae_movies.cli', 'synth', '--users', str(n_users), '--movies', str(n_movies),
                    '--ratings', str(n_ratings), '--format', release, '--seed', '0', '--out', str(folder)], check=True, stdout=subprocess.DEVNULL)
    return folder, time.perf_counter() - t

def run(sizes, keep, dense_limit_gb, epochs, rounds=1):
    root, rows, runs, course, folders = Path(keep or tempfile.mkdtemp()), {}, {}, {}, {}
    for size in sizes:
        n_users, n_movies, n_ratings, release = SIZES[size]
        folder, synth_s = synth_folder(root, size); folders[size] = folder
        rows[size] = {'size': size, 'format': release, 'ratings': n_ratings, 'users': n_users, 'movies': n_movies, 'synth_s': synth_s}
        need = n_users * n_movies * 4 / 1e9
        if need <= dense_limit_gb:  # once: no goal is about it, and at 10M it takes minutes
            r = measure('dense-course', folder, release, 1)
            course[size] = dict(course_epoch_s=r['epoch_s'], course_peak_gb=r['peak_gb'], course_dense_gb=need)
        else: course[size] = dict(course_epoch_s=None, course_peak_gb=None, course_dense_gb=need)
    for _ in range(rounds):  # the sizes take turns, so that a slow spell of the machine falls on all of them
        for size in sizes:
            folder, release, got = folders[size], SIZES[size][3], {}
            load = measure('load', folder, release, 0); got.update(load_s=load['load_s'], load_peak_gb=load['peak_gb'])
            for kind in ('sparse-autorec', 'sparse-sae'):
                r = measure(kind, folder, release, epochs); name = kind.split('-')[1]
                got.update({f'{name}_epoch_s': r['epoch_s'], f'{name}_setup_s': r['setup_s'], f'{name}_peak_gb': r['peak_gb']})
            runs.setdefault(size, []).append(got)
            print(size, {k: round(v, 3) for k, v in got.items()}, flush=True)
    for size, rs in runs.items():  # each figure: the median of its rounds
        rows[size].update({k: float(np.median([r[k] for r in rs])) for k in rs[0]}, **course[size], autorec_epoch_s_runs=[r['autorec_epoch_s'] for r in rs])
    return list(rows.values())

def device()->str:
    "Where the sparse models trained (their device setting is `auto`), asked of a fresh Python so that this one stays without torch."
    code = "import torch; print(torch.cuda.get_device_name(0) + ' (cuda)' if torch.cuda.is_available() else 'cpu')"
    return subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True).stdout.strip()

def ratios(t:pd.DataFrame)->pd.DataFrame:
    "Each size against 1M (the smallest size when 1M was not run): a timing or peak growing no faster than the ratings has a ratio <= the ratings'."
    base = t.set_index('size').loc['1m'] if '1m' in set(t['size']) else t.iloc[0]
    cols = ['ratings', 'load_s', 'autorec_epoch_s', 'sae_epoch_s', 'course_epoch_s', 'load_peak_gb', 'autorec_peak_gb', 'sae_peak_gb', 'course_peak_gb']
    of = lambda x: np.nan if x is None else float(x)  # a measurement not made (the course loop over --dense-limit)
    return pd.DataFrame({c: t[c].map(of) / of(base[c]) for c in cols}).set_axis(t['size']).round(1)

if __name__ == '__main__':
    answer_child(child)
    a = bench_args(__doc__, '100k,1m,10m,25m', dense_limit=(4.0, "largest users x movies float32 matrix the course loop may build (GB)"),
                   epochs=(3, 'epochs of each sparse model (the median is reported)'),
                   rounds=(3, 'runs of each sparse measurement at each size, the sizes taking turns (medians reported)'),
                   out=(Path(__file__).parent/'results'/'scale.json', 'results file (default: bench/results/scale.json; the GPU run: scale-cuda.json)')).parse_args()
    t0 = time.perf_counter()
    rows = run(a.sizes.split(','), a.keep, a.dense_limit, a.epochs, a.rounds)
    t = pd.DataFrame(rows)
    print('\n' + t.drop(columns='autorec_epoch_s_runs').round(2).to_string(index=False))
    print('\ngrowth against 1M ratings (a timing or peak memory that grows no faster than the ratings has a ratio <= the ratings column):')
    print(ratios(t).to_string())
    save_results(a.out, t0, rows=rows, ratios=ratios(t).reset_index().to_dict(orient='records'), epochs=a.epochs, rounds=a.rounds,
                 huge_pages=huge_pages(), flush_denormal=flush_denormal(), threads='all cores (threads=0)', dense_limit_gb=a.dense_limit, device=device())
