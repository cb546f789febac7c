"""One process or several on one machine, as a user meets it: `sae-movies train --model MODEL --epochs 2 --processes N` on
synthetic data of 10M and 25M ratings (written by `sae-movies synth`, as in bench/scale.py), each run a fresh command timed from
start to exit. Each process loads the data and takes its share of every batch (03_train); with N processes each gets 1/N of the
cores (`OMP_NUM_THREADS`, 12_cli), where one process uses them all as threads. Recorded for each run: the wall time, the
training time the first process reports (`fit_seconds`), the test RMSE, the largest single process's peak resident memory
(wait4), and the peak of the memory summed over the command and every process it started (sampled every 0.2 s from /proc).
MODEL is autorec unless --model says (a top-N network, such as mult-dae, reports its test NDCG@10 instead of the RMSE);
bench/results/processes.json is autorec's, processes-mult-dae.json `--model mult-dae --sizes 1m,10m --out bench/results/processes-mult-dae.json`.

    .venv/bin/python bench/processes.py [--model autorec] [--sizes 10m,25m] [--processes 1,2] [--rounds 2] [--keep DIR] [--out FILE]

The counts take turns within each round, each round starting with the other one. Prints each setting's medians and saves
every run in bench/results/processes.json (after every run, so that a run cut short keeps what it measured).
"""
import json, os, sys, tempfile, time
from pathlib import Path
import pandas as pd
sys.path.insert(0, str(Path(__file__).parent))
from scale import SIZES, synth_folder, save_results, bench_args, huge_pages, flush_denormal, run_checked, tree_kb, CLI
os.environ['SAE_MOVIES_CACHE'] = 'off'  # every command parses the ratings, as in the runs saved before the parsed-ratings cache (00_data)

def tree_rss_gb(pid:int)->float: # the resident memory of `pid` and every process it started, in GB
    "The resident memory summed over a process and its descendants, read from /proc (pages they share counted once for each)."
    return tree_kb(pid, 'status', 'VmRSS:') * 1024 / 1e9

def train(folder:Path, release:str, n:int, out:Path, model:str='autorec')->dict:
    "Run `sae-movies train ... --processes n`: its times, memory and report."
    args = [CLI, 'train', '--model', model, '--data', release, '--path', str(folder), '--epochs', '2', '--processes', str(n),
            '--out', str(out), '--quiet', '--json']
    top = []  # the memory of the command's processes, at each poll
    got = run_checked(args, watch=lambda pid: top.append(tree_rss_gb(pid)), poll=0.2)
    report = json.loads(got['stdout'].strip().splitlines()[-1])
    figure = {'rmse': report['rmse']} if 'rmse' in report else {'ndcg@10': report['ndcg@10']}  # a rating model's test error, or a top-N model's
    return dict(seconds=got['seconds'], fit_seconds=report['fit_seconds'], **figure, largest_peak_gb=got['peak_gb'], tree_peak_gb=max(top, default=0.0))

if __name__ == '__main__':
    p = bench_args(__doc__, sizes='10m,25m', model=('autorec', 'the model to train'), processes=('1,2', 'process counts'), rounds=(2, 'rounds'),
                   out=('bench/results/processes.json', 'results file'))
    a, t0 = p.parse_args(), time.perf_counter()
    counts, root, rows = [int(n) for n in a.processes.split(',')], Path(a.keep or tempfile.mkdtemp()), []
    save = lambda quiet=True: save_results(Path(a.out), t0, quiet=quiet, rows=rows, model=a.model, rounds=a.rounds, cpus=os.cpu_count(), huge_pages=huge_pages(),
                                           flush_denormal=flush_denormal(), complete=len(rows) == len(counts) * a.rounds * len(a.sizes.split(',')))
    with tempfile.TemporaryDirectory() as tmp:
        for size in a.sizes.split(','):
            folder, _ = synth_folder(root, size)
            for r in range(a.rounds):
                for n in (counts if r % 2 == 0 else counts[::-1]):
                    got = train(folder, SIZES[size][3], n, Path(tmp)/f'{size}-{n}.pt', a.model)
                    rows.append({'size': size, 'processes': n, 'round': r, **got}); save()
                    print(f"{size:>4} {n} process(es) round {r}: {got['seconds']:6.1f} s (fit {got['fit_seconds']:5.1f} s) {' '.join(f'{k} {got[k]:.4f}' for k in ('rmse', 'ndcg@10') if k in got)} "
                          f"largest process {got['largest_peak_gb']:.2f} GB, all {got['tree_peak_gb']:.2f} GB", flush=True)
    t = pd.DataFrame(rows)
    print('\nmedians:\n' + t.groupby(['size', 'processes']).median(numeric_only=True).drop(columns='round').round(3).to_string())
    save(quiet=False)
