"""The whole pipeline at scale, as a user meets it: `sae-movies train`, `recommend` and `evaluate` of a rating model
(default: I-AutoRec, 2 epochs) on synthetic data of 1M and 10M ratings (25M and ML-32M's size with --sizes; written by
`sae-movies synth`, as in bench/scale.py), each command a fresh process, timed from start to exit with its own peak memory;
then `serve` of the same checkpoint (one arm, no rating model), with one server process and with `--workers 2`: the seconds until
it answers and until its memory settles (every worker built), how long a newcomer's first two requests for recommendations took,
and then its memory: the first process's peak and resident memory, and the proportional set size (PSS) summed over it and its
workers, which counts a page the processes share once, divided between them.

    .venv/bin/python bench/pipeline.py [--sizes 1m,10m] [--model autorec] [--keep DIR] [--serve-workers 1,2] [--serve-only]
                                       [--huge-pages-ab ROUNDS] [--out FILE] [--package NOTE]
                                       [--compare DIR --rounds N --commands recommend,serve --name TEXT] [--cache-ab ROUNDS]

`--serve-only` runs only `serve`, on the checkpoints an earlier run left in --keep; `--package NOTE` records which package
was measured (for a run with an older sae_movies put first on PYTHONPATH).

Each size gets a fresh folder for the parsed-ratings cache (00_data): `train` parses the ratings and writes it, and the
commands after it read the ratings from it, as on a machine where the dataset has just arrived; --huge-pages-ab and
--compare turn it off. `train` includes loading, the split, validation, the refit, test and training RMSE and the checkpoint; `evaluate`
scores rating and ranking metrics of every test user; `recommend` folds in one user's history; the server's first answer
to a newcomer includes whatever the server left to compute at the first fold-in (since it warms its models before it listens, nothing). Prints a table and saves
bench/results/pipeline.json (pipeline-MODEL.json for another model; --out names another file). This machine is shared and noisy: one run of each, read the sizes against each other.

`--huge-pages-ab ROUNDS` instead runs the pipeline ROUNDS times with PyTorch's huge pages off and on
(`THP_MEM_ALLOC_ENABLE` 0 and 1, the command's default being 1), the two taking turns and each round starting with the
other one, each training into a fresh checkpoint path; it prints each command's median under each setting and saves
bench/results/pipeline-huge-pages.json.

`--cache-ab ROUNDS` instead runs the commands that read a checkpoint (`--commands`, as for --compare) on checkpoints an
earlier run left in --keep, ROUNDS times under each of three settings of the parsed-ratings cache (00_data): off (every run
parses the ratings file, as the package did before the cache); on but empty, a fresh folder each time (the first run after a
dataset arrives: it parses and writes the cache); and on, filled by that first run. Each round times the three in a row, the
cache off first in even rounds and last in odd ones; prints each command's medians and saves bench/results/pipeline-cache.json.
The files are read from the operating system's page cache in every arm (a second run, as a user meets it).

`--compare DIR --rounds N` instead measures two packages against each other on checkpoints an earlier run left in --keep:
the installed sae_movies and the one in DIR (put first on the commands' PYTHONPATH, e.g. a `git worktree` of an older
commit), N rounds, the two taking turns and each round starting with the other. It runs the commands that read a
checkpoint (`recommend`, and `serve` with one process; `--commands` picks, e.g. `recommend,evaluate,serve`, and `train`
too, which writes a scratch checkpoint beside the kept one), prints each
one's medians and saves every run in bench/results/pipeline-compare.json (--out: another file).
bench/results/pipeline-compare-1a03716.json is `--sizes 25m --compare DIR --rounds 4` with DIR a `git worktree` of 1a03716;
pipeline-compare-small-pages.json is `--sizes 25m,32m --rounds 4 --name 'small_pages turned off'` with DIR a worktree of the
same commit whose `_numpy_madvise` (sae_movies/data.py) returns None at once.
pipeline-compare-inf-ae.json is `--sizes 25m --model inf-ae --compare DIR --rounds 2 --commands recommend,serve`, DIR a worktree
of 387b268, on bench/similar.py's 25M inf-ae checkpoint (kept as 25m-inf-ae.pt in --keep).
pipeline-compare-prior.json is `--sizes 25m --compare DIR --rounds 3 --commands recommend,serve`, DIR a worktree of c10a5ab,
on an I-AutoRec checkpoint written by the installed package, which keeps the fold-in prior (06_autorec; c10a5ab ignores it).
pipeline-compare-codes.json is the same with DIR a worktree of ee9a31a, on the 25M I-AutoRec checkpoint of pipeline.json's
run loaded and saved again by the installed package (1bc0727, before it was committed), which adds the movies' codes
(06_autorec; ee9a31a ignores them and computes them in each process).
pipeline-compare-train-4820430.json is `--sizes 25m --compare DIR --rounds 2 --commands train`, DIR a worktree of 4820430 (the
package of the pipeline.json run before this one), both parsing the ratings: whether `train`'s time moved with the code or the day.
"""
import json, os, subprocess, sys, tempfile, time, urllib.request
from pathlib import Path
import pandas as pd
sys.path.insert(0, str(Path(__file__).parent))
from scale import SIZES, synth_folder, huge_pages, flush_denormal, save_results, bench_args, two_packages, environment, run_checked, tree_kb, CLI
from sae_movies.testing import server_process, process_tree


def timed(args:list, env:dict=None)->dict: # seconds, peak_gb
    "Run the command in a fresh process (`env` added to the environment); its wall time and peak resident memory (its own, from wait4)."
    r = run_checked([CLI, *args], env)
    return {'seconds': r['seconds'], 'peak_gb': r['peak_gb']}

def pss_gb(pid:int)->float:
    "The proportional set size of a process and its descendants, summed (shared pages counted once, in shares), in GB."
    return tree_kb(pid, 'smaps_rollup', 'Pss:') / 1e6

def served(folder, ckpt, workers:int=1, wait:float=600)->dict: # seconds (until it answers), settled_s, first_answer_s, next_answer_s, peak_gb, resident_gb, pss_gb, processes
    "Start `sae-movies serve --workers N` of the checkpoint (one arm, no rating model), time it until it answers and until its memory settles, ask twice for a newcomer's recommendations, read its memory, stop it."
    t = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp, server_process('--arm', f'A={ckpt}', '--path', folder, '--rating-model', 'none', '--db', Path(tmp)/'serve.db',
                                                              '--workers', workers, timeout=wait) as (url, p):
        row, last, still = {'workers': workers, 'seconds': time.perf_counter() - t}, pss_gb(p.pid), 0
        while still < 3 and time.perf_counter() - t < wait:  # settled: 3 seconds in a row within 10 MB (workers still building grow)
            time.sleep(1); now = pss_gb(p.pid); still, last = (still + 1 if abs(now - last) < 0.01 else 0), now
        row['settled_s'] = time.perf_counter() - t - 3
        movies = json.loads(urllib.request.urlopen(f'{url}/api/movies?q=movie&n=3', timeout=60).read())['movies']
        body = json.dumps({'ratings': {str(m['movie_id']): 5 for m in movies}, 'n': 10}).encode()
        for key in ('first_answer_s', 'next_answer_s'):
            t = time.perf_counter()
            urllib.request.urlopen(urllib.request.Request(f'{url}/api/recommendations', data=body, headers={'content-type': 'application/json'}), timeout=wait).read()
            row[key] = time.perf_counter() - t
        status = dict(line.split(':', 1) for line in Path(f'/proc/{p.pid}/status').read_text().splitlines())
        return {**row, 'peak_gb': int(status['VmHWM'].split()[0]) / 1e6, 'resident_gb': int(status['VmRSS'].split()[0]) / 1e6,  # kB
                'pss_gb': pss_gb(p.pid), 'processes': len(process_tree(p.pid))}

def commands(folder, release, ckpt, epochs, model)->list: # (name, arguments) of the three commands, in order
    data = ['--data', release, '--path', str(folder)]
    return [('train', ['train', *data, '--model', model, '--epochs', str(epochs), '--out', str(ckpt), '--quiet']),
            ('recommend', ['recommend', str(ckpt), '--path', str(folder), '--user', '1', '-n', '10']),
            ('evaluate', ['evaluate', str(ckpt), '--path', str(folder)])]

def run(sizes, keep, epochs, model, serve_workers=(1,), serve_only=False):
    root, rows = Path(keep or tempfile.mkdtemp()), []
    for size in sizes:
        folder, _ = synth_folder(root, size)
        ckpt = root/f'{size}-{model}.pt'
        about = {'size': size, 'users': SIZES[size][0], 'movies': SIZES[size][1], 'ratings': SIZES[size][2]}
        if serve_only and not ckpt.exists(): raise SystemExit(f'--serve-only: no {ckpt}; run once without it, with --keep {root}')
        with tempfile.TemporaryDirectory() as cache, environment({'SAE_MOVIES_CACHE': cache}):  # the parsed ratings: written by train, read by what follows
            if not serve_only:
                ckpt.unlink(missing_ok=True)  # a fresh file, as in a first run (an existing one would be read first, to check it)
                for name, args in commands(folder, SIZES[size][3], ckpt, epochs, model):
                    rows.append({**about, 'command': name, **timed(args)})
                    print(pd.DataFrame(rows[-1:]).round(2).to_string(index=False, header=len(rows) == 1), flush=True)
            for w in serve_workers:
                rows.append({**about, 'command': 'serve' if w == 1 else f'serve --workers {w}', **served(folder, ckpt, w)})
                print(pd.DataFrame(rows[-1:]).round(2).to_string(index=False), flush=True)
    return rows

def huge_pages_ab(sizes, keep, epochs, model, rounds)->list:
    "The pipeline `rounds` times with huge pages off and on, taking turns (each round starts with the other setting)."
    root, rows = Path(keep or tempfile.mkdtemp()), []
    for size in sizes:
        folder, _ = synth_folder(root, size)
        for r in range(rounds):
            for thp in ('0', '1') if r % 2 == 0 else ('1', '0'):
                ckpt = root/f'{size}-{model}-huge-pages-{thp}.pt'
                ckpt.unlink(missing_ok=True)  # every train writes a fresh file (an existing one is read first, to check it)
                for name, args in commands(folder, SIZES[size][3], ckpt, epochs, model):
                    rows.append({'size': size, 'command': name, 'huge_pages': thp, 'round': r, **timed(args, {'THP_MEM_ALLOC_ENABLE': thp, 'SAE_MOVIES_CACHE': 'off'})})
                    print(pd.DataFrame(rows[-1:]).round(2).to_string(index=False, header=len(rows) == 1), flush=True)
    return rows

CACHE_ARMS = ('cache off', 'first run', 'cached') # the parsed-ratings cache (00_data): off; on, found empty (the run writes it); on, filled by that run

def cache_ab(sizes, keep, model, rounds, which)->list:
    "Each command of `which` `rounds` times with the parsed-ratings cache off, on and empty, and on and filled by the run before, the off arm first in even rounds and last in odd ones."
    rows = []
    for size in sizes:
        folder, _ = synth_folder(Path(keep), size); ckpt = Path(keep)/f'{size}-{model}.pt'
        if not ckpt.exists(): raise SystemExit(f'--cache-ab: no {ckpt}; run once without it, with --keep {keep}')
        steps = dict((n, a) for n, a in commands(folder, SIZES[size][3], ckpt, 0, model) if n in which)
        for r in range(rounds):
            for command in which:
                with tempfile.TemporaryDirectory() as cache:  # empty for 'first run', then filled by it for 'cached'
                    for arm in CACHE_ARMS if r % 2 == 0 else CACHE_ARMS[1:] + CACHE_ARMS[:1]:
                        env = {'SAE_MOVIES_CACHE': 'off' if arm == 'cache off' else cache}
                        if command == 'serve':
                            with environment(env): got = served(folder, ckpt, 1)
                        else: got = timed(steps[command], env)
                        rows.append({'size': size, 'command': command, 'cache': arm, 'round': r, **got})
                        print(pd.DataFrame(rows[-1:]).round(2).to_string(index=False), flush=True)
    return rows

def compare(sizes, keep, model, other, rounds, which, name=None, epochs=2)->tuple: # (rows, the other package's name, what each side was)
    "Each command of `which` `rounds` times with the installed package and with the one in `other`, taking turns (each round starting with the other); `train` writes a scratch checkpoint."
    name, env, sides = two_packages(other, name); rows = []
    env = {k: {**e, 'SAE_MOVIES_CACHE': 'off'} for k, e in env.items()}  # both parse the ratings: the parsed-ratings cache is --cache-ab's question
    for size in sizes:
        folder, _ = synth_folder(Path(keep), size); ckpt = Path(keep)/f'{size}-{model}.pt'
        if not ckpt.exists(): raise SystemExit(f'--compare: no {ckpt}; run once without it, with --keep {keep}')
        scratch = Path(keep)/f'{size}-{model}-compare.pt'  # train's, so that the others read the kept checkpoint
        steps = dict((n, a) for n, a in commands(folder, SIZES[size][3], ckpt, epochs, model) if n in which)
        if 'train' in steps: steps['train'][steps['train'].index('--out') + 1] = str(scratch)
        for r in range(rounds):
            for package in ('installed', name) if r % 2 == 0 else (name, 'installed'):
                for command in which:
                    scratch.unlink(missing_ok=True)  # a fresh file, as in a first run
                    if command == 'serve':
                        with environment(env[package]): got = served(folder, ckpt, 1)  # the server inherits this process's environment
                    else: got = timed(steps[command], env[package])
                    rows.append({'size': size, 'command': command, 'package': package, 'round': r, **got})
                    print(pd.DataFrame(rows[-1:]).round(2).to_string(index=False), flush=True)
    return rows, name, sides

if __name__ == '__main__':
    p = bench_args(__doc__, '1m,10m', epochs=(2, 'epochs of training (the command line is timed, not the model)'), model=('autorec', 'a rating model (see `sae-movies models`)'))
    p.add_argument('--huge-pages-ab', type=int, metavar='ROUNDS', help='compare huge pages off and on instead, over ROUNDS rounds')
    p.add_argument('--out', help='where to save the results (default: bench/results/pipeline.json, pipeline-MODEL.json or pipeline-huge-pages.json)')
    p.add_argument('--serve-workers', default='1,2', help='server processes to measure `serve` with, comma-separated')
    p.add_argument('--serve-only', action='store_true', help="measure only `serve`, on the checkpoints in --keep")
    p.add_argument('--package', help='which sae_movies was measured, saved with the results (for a run of an older one)')
    p.add_argument('--compare', metavar='DIR', help='a folder holding another sae_movies, measured against the installed one (needs --keep)')
    p.add_argument('--rounds', type=int, default=3, help='rounds of --compare')
    p.add_argument('--name', help="how --compare's results name the other package (default: its commit; say so where it holds changes of its own)")
    p.add_argument('--commands', default='recommend,serve', help='commands that --compare (of train, recommend, evaluate, serve) and --cache-ab (of the last three) run')
    p.add_argument('--cache-ab', type=int, metavar='ROUNDS', help="compare the parsed-ratings cache off, on and empty, and on and filled instead, over ROUNDS rounds (needs --keep)")
    a = p.parse_args()
    t0 = time.perf_counter()
    name = 'pipeline-huge-pages.json' if a.huge_pages_ab else 'pipeline.json' if a.model == 'autorec' else f'pipeline-{a.model}.json'
    out = Path(a.out) if a.out else Path(__file__).parent/'results'/name
    which = a.commands.split(',')  # for --compare and --cache-ab
    allowed = ['recommend', 'evaluate', 'serve'] + ([] if a.cache_ab else ['train'])  # --cache-ab reads the kept checkpoints only
    if bad := set(which) - set(allowed): raise SystemExit(f'--commands: no {", ".join(sorted(bad))} here ({", ".join(allowed)})')
    if a.compare:
        if not a.keep: raise SystemExit('--compare needs --keep: the folder of an earlier run, with its checkpoints')
        rows, name, sides = compare(a.sizes.split(','), a.keep, a.model, a.compare, a.rounds, which, a.name, a.epochs)
        t = pd.DataFrame(rows)
        med = t.groupby(['size', 'command', 'package'], sort=False)[['seconds', 'peak_gb']].median().unstack('package')
        med[('installed / other', 'seconds')] = med[('seconds', 'installed')] / med[('seconds', name)]
        print(f'\nmedians of {a.rounds} rounds (installed / other < 1: the installed package is faster):\n{med.round(2).to_string()}')
        save_results(Path(a.out) if a.out else Path(__file__).parent/'results'/'pipeline-compare.json', t0, rows=rows, other=f'{name}, put first on PYTHONPATH from {a.compare}', packages=sides,
                     rounds=a.rounds, model=a.model, huge_pages=huge_pages(), flush_denormal=flush_denormal()); sys.exit()
    if a.cache_ab:
        if not a.keep: raise SystemExit('--cache-ab needs --keep: the folder of an earlier run, with its checkpoints')
        t = pd.DataFrame(cache_ab(a.sizes.split(','), a.keep, a.model, a.cache_ab, which))
        cols = ['seconds', 'peak_gb'] + (['first_answer_s'] if 'serve' in which else [])
        med = t.groupby(['size', 'command', 'cache'], sort=False)[cols].median().unstack('cache')
        med[('off / cached', 'seconds')] = med[('seconds', 'cache off')] / med[('seconds', 'cached')]
        print(f'\nmedians of {a.cache_ab} rounds (off / cached > 1: faster with the cache filled):\n{med.round(2).to_string()}')
        save_results(Path(a.out) if a.out else Path(__file__).parent/'results'/'pipeline-cache.json', t0, rows=t.to_dict(orient='records'), model=a.model,
                     rounds=a.cache_ab, huge_pages=huge_pages(), flush_denormal=flush_denormal()); sys.exit()
    if a.huge_pages_ab:
        t = pd.DataFrame(huge_pages_ab(a.sizes.split(','), a.keep, a.epochs, a.model, a.huge_pages_ab))
        med = t.groupby(['size', 'command', 'huge_pages'], sort=False)[['seconds', 'peak_gb']].median().unstack('huge_pages')
        med[('off / on', 'seconds')] = med[('seconds', '0')] / med[('seconds', '1')]
        print(f'\nmedians of {a.huge_pages_ab} rounds (huge pages 0: off, 1: on; off / on > 1: faster with them):\n{med.round(2).to_string()}')
        save_results(out, t0, rows=t.to_dict(orient='records'), epochs=a.epochs, model=a.model,
                     rounds=a.huge_pages_ab, flush_denormal=flush_denormal()); sys.exit()
    if a.serve_only and not a.keep: raise SystemExit('--serve-only needs --keep: the folder of an earlier run, with its checkpoints')
    t = pd.DataFrame(run(a.sizes.split(','), a.keep, a.epochs, a.model, [int(w) for w in a.serve_workers.split(',')], a.serve_only))
    if not a.serve_only:
        wide = t.pivot(index='command', columns='size', values=['seconds', 'peak_gb'])
        print('\n' + wide[[(v, s) for v in ('seconds', 'peak_gb') for s in a.sizes.split(',')]].round(2).to_string())
    print('\nserve (seconds: until it answers; settled_s: until its memory settles):\n' + t[t.command.str.startswith('serve')].set_index(['size', 'workers'])[
        ['seconds', 'settled_s', 'first_answer_s', 'next_answer_s', 'resident_gb', 'pss_gb', 'processes']].round(2).to_string())
    save_results(out, t0, rows=t.to_dict(orient='records'), epochs=a.epochs, model=a.model, huge_pages=huge_pages(), flush_denormal=flush_denormal(),
                 **({'package': a.package} if a.package else {}))
