"""The whole pipeline at scale, as a user meets it: `sae-movies train`, `recommend` and `evaluate` of a rating model
(default: I-AutoRec, 2 epochs) on synthetic data of 1M and 10M ratings (25M and ML-32M's size with --sizes; written by
`sae-movies synth`, as in bench/scale.py), each command a fresh process, timed from start to exit with its own peak memory;
then `serve` of the same checkpoint (one arm, no rating model): the seconds until it answers, its peak and its resident memory once it has answered a
newcomer's first two requests for recommendations, and how long each of those two took.

    .venv/bin/python bench/pipeline.py [--sizes 1m,10m] [--model autorec] [--keep DIR] [--huge-pages-ab ROUNDS] [--out FILE]

`train` includes loading, the split, validation, the refit, test and training RMSE and the checkpoint; `evaluate`
scores rating and ranking metrics of every test user; `recommend` folds in one user's history; the server's first answer
to a newcomer includes what it computes once, at the first fold-in. Prints a table and saves
bench/results/pipeline.json (pipeline-MODEL.json for another model; --out names another file). This machine is shared and noisy: one run of each, read the sizes against each other.

`--huge-pages-ab ROUNDS` instead runs the pipeline ROUNDS times with PyTorch's huge pages off and on
(`THP_MEM_ALLOC_ENABLE` 0 and 1, the command's default being 1), the two taking turns and each round starting with the
other one, each training into a fresh checkpoint path; it prints each command's median under each setting and saves
bench/results/pipeline-huge-pages.json.
"""
import json, os, subprocess, sys, tempfile, time, urllib.request
from pathlib import Path
import pandas as pd
sys.path.insert(0, str(Path(__file__).parent))
from scale import SIZES, synth_folder, huge_pages, flush_denormal, save_results, bench_args
from sae_movies.testing import server_process

CLI = str(Path(sys.executable).parent/'sae-movies')  # the installed command, beside this Python

def timed(args:list, env:dict=None)->dict: # seconds, peak_gb
    "Run the command in a fresh process (`env` added to the environment); its wall time and peak resident memory (its own, from wait4)."
    t = time.perf_counter()
    with tempfile.TemporaryFile('w+') as err:
        p = subprocess.Popen([CLI, *args], stdout=subprocess.DEVNULL, stderr=err, env={**os.environ, **(env or {})})
        _, status, usage = os.wait4(p.pid, 0)  # reaped here, for this child's own resource usage
        p.returncode = os.waitstatus_to_exitcode(status)
        if p.returncode: err.seek(0); raise SystemExit(f"sae-movies {' '.join(args)} failed:\n{err.read()[-3000:]}")
    return {'seconds': time.perf_counter() - t, 'peak_gb': usage.ru_maxrss / 1e6}

def served(folder, ckpt, wait:float=600)->dict: # seconds (until it answers), peak_gb, resident_gb, first_answer_s, next_answer_s
    "Start `sae-movies serve` of the checkpoint (one arm, no rating model), time it until it answers, ask twice for a newcomer's recommendations, read its memory, stop it."
    t = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp, server_process('--arm', f'A={ckpt}', '--path', folder, '--rating-model', 'none', '--db', Path(tmp)/'serve.db', timeout=wait) as (url, p):
        row = {'seconds': time.perf_counter() - t}
        movies = json.loads(urllib.request.urlopen(f'{url}/api/movies?q=movie&n=3', timeout=60).read())['movies']
        body = json.dumps({'ratings': {str(m['movie_id']): 5 for m in movies}, 'n': 10}).encode()
        for key in ('first_answer_s', 'next_answer_s'):
            t = time.perf_counter()
            urllib.request.urlopen(urllib.request.Request(f'{url}/api/recommendations', data=body, headers={'content-type': 'application/json'}), timeout=wait).read()
            row[key] = time.perf_counter() - t
        status = dict(line.split(':', 1) for line in Path(f'/proc/{p.pid}/status').read_text().splitlines())
        return {**row, 'peak_gb': int(status['VmHWM'].split()[0]) / 1e6, 'resident_gb': int(status['VmRSS'].split()[0]) / 1e6}  # kB

def commands(folder, release, ckpt, epochs, model)->list: # (name, arguments) of the three commands, in order
    data = ['--data', release, '--path', str(folder)]
    return [('train', ['train', *data, '--model', model, '--epochs', str(epochs), '--out', str(ckpt), '--quiet']),
            ('recommend', ['recommend', str(ckpt), '--path', str(folder), '--user', '1', '-n', '10']),
            ('evaluate', ['evaluate', str(ckpt), '--path', str(folder)])]

def run(sizes, keep, epochs, model):
    root, rows = Path(keep or tempfile.mkdtemp()), []
    for size in sizes:
        folder, _ = synth_folder(root, size)
        ckpt = root/f'{size}-{model}.pt'
        ckpt.unlink(missing_ok=True)  # a fresh file, as in a first run (an existing one would be read first, to check it)
        about = {'size': size, 'users': SIZES[size][0], 'movies': SIZES[size][1], 'ratings': SIZES[size][2]}
        for name, args in commands(folder, SIZES[size][3], ckpt, epochs, model):
            rows.append({**about, 'command': name, **timed(args)})
            print(pd.DataFrame(rows[-1:]).round(2).to_string(index=False, header=len(rows) == 1), flush=True)
        rows.append({**about, 'command': 'serve', **served(folder, ckpt)})
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
                    rows.append({'size': size, 'command': name, 'huge_pages': thp, 'round': r, **timed(args, {'THP_MEM_ALLOC_ENABLE': thp})})
                    print(pd.DataFrame(rows[-1:]).round(2).to_string(index=False, header=len(rows) == 1), flush=True)
    return rows

if __name__ == '__main__':
    p = bench_args(__doc__, '1m,10m', epochs=(2, 'epochs of training (the command line is timed, not the model)'), model=('autorec', 'a rating model (see `sae-movies models`)'))
    p.add_argument('--huge-pages-ab', type=int, metavar='ROUNDS', help='compare huge pages off and on instead, over ROUNDS rounds')
    p.add_argument('--out', help='where to save the results (default: bench/results/pipeline.json, pipeline-MODEL.json or pipeline-huge-pages.json)')
    a = p.parse_args()
    t0 = time.perf_counter()
    name = 'pipeline-huge-pages.json' if a.huge_pages_ab else 'pipeline.json' if a.model == 'autorec' else f'pipeline-{a.model}.json'
    out = Path(a.out) if a.out else Path(__file__).parent/'results'/name
    if a.huge_pages_ab:
        t = pd.DataFrame(huge_pages_ab(a.sizes.split(','), a.keep, a.epochs, a.model, a.huge_pages_ab))
        med = t.groupby(['size', 'command', 'huge_pages'], sort=False)[['seconds', 'peak_gb']].median().unstack('huge_pages')
        med[('off / on', 'seconds')] = med[('seconds', '0')] / med[('seconds', '1')]
        print(f'\nmedians of {a.huge_pages_ab} rounds (huge pages 0: off, 1: on; off / on > 1: faster with them):\n{med.round(2).to_string()}')
        save_results(out, t0, rows=t.to_dict(orient='records'), epochs=a.epochs, model=a.model,
                     rounds=a.huge_pages_ab, flush_denormal=flush_denormal()); sys.exit()
    t = pd.DataFrame(run(a.sizes.split(','), a.keep, a.epochs, a.model))
    wide = t.pivot(index='command', columns='size', values=['seconds', 'peak_gb'])
    print('\n' + wide[[(v, s) for v in ('seconds', 'peak_gb') for s in a.sizes.split(',')]].round(2).to_string())
    print('\nserve (seconds: until it answers):\n' + t[t.command == 'serve'].set_index('size')[['resident_gb', 'first_answer_s', 'next_answer_s']].round(2).to_string())
    save_results(out, t0, rows=t.to_dict(orient='records'), epochs=a.epochs, model=a.model, huge_pages=huge_pages(), flush_denormal=flush_denormal())
