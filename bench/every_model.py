"""Every registered model at scale, as a user meets it: `sae-movies train --model MODEL` on synthetic data of 1M and 10M
ratings (25M and ML-32M's size with --sizes; written by `sae-movies synth`, as in bench/scale.py), each run a fresh process
with its default split, settings and epochs (or --epochs), timed from start to exit with its own peak memory. Each run ends one of four ways:

- trained: the checkpoint is written and the test figure (RMSE, or NDCG@10 for the top-N models) reported;
- refused: a one-line error (exit status 2) that says why, such as the memory a closed form would need;
- failed: anything else, such as a traceback or a process killed for memory (the run's last lines are kept);
- stopped: it ran past --limit seconds (killed, with what it had done so far unknown).

    .venv/bin/python bench/every_model.py [--sizes 1m,10m] [--models autorec,ease,...] [--without NAMES] [--epochs N] [--limit 900]
                                          [--set NAME=VALUE,...] [--keep DIR] [--out FILE]

bench/results/every_model.json is `--sizes 1m,25m --epochs 2 --limit 300 --without ensemble,topn-ensemble`: the two blends
train each of their members in full (they take no --epochs), so they cost what their members do.

Prints a table and saves bench/results/every_model.json (after every run, so that a run cut short keeps what it measured; `complete` says whether it ended). Each model is run once at each size, the smaller sizes first:
times are single runs on a shared machine, good for telling seconds from hours, not for ranking close models.
"""
import json, os, re, subprocess, sys, tempfile, time
from pathlib import Path
import pandas as pd
sys.path.insert(0, str(Path(__file__).parent))
from scale import SIZES, synth_folder, huge_pages, flush_denormal, save_results, bench_args, run_command, CLI
os.environ['SAE_MOVIES_CACHE'] = 'off'  # every command parses the ratings, as in the runs saved before the parsed-ratings cache (00_data)


def registered()->dict: # name -> whether it takes --epochs
    "The names `sae-movies train --model` takes, asked of a fresh Python so that this one stays without torch."
    code = "import json; from sae_movies.models import MODELS; print(json.dumps({n: 'epochs' in c.Settings.__dataclass_fields__ for n, c in MODELS.items()}))"
    return json.loads(subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True).stdout)

def train(model:str, folder:Path, release:str, out:Path, epochs:int, limit:float, sets:list=())->dict: # outcome, seconds, peak_gb, figure, message
    "Train `model` in a fresh `sae-movies train` process (`sets`: its --set NAME=VALUE); how it ended, its wall time and its own peak resident memory."
    args = [CLI, 'train', '--model', model, '--data', release, '--path', str(folder), '--json', '--quiet', '--out', str(out)]
    if epochs: args += ['--epochs', str(epochs)]
    for s in sets: args += ['--set', s]
    r = run_command(args, limit=limit); code, stopped, stdout, stderr = r['code'], r['stopped'], r['stdout'], r['stderr']
    lines = [l for l in stderr.splitlines() if l.strip()]
    row = {'model': model, 'seconds': r['seconds'], 'peak_gb': r['peak_gb'], 'status': code, 'figure': None, 'metric': None, 'message': None}
    if stopped: return {**row, 'outcome': 'stopped', 'message': f'past {limit:g} s'}
    if code == 0:
        res = json.loads(stdout.strip().splitlines()[-1])
        metric = next(m for m in ('rmse', 'ndcg@10') if m in res)
        return {**row, 'outcome': 'trained', 'figure': res[metric], 'metric': metric, 'fit_s': res.get('fit_seconds')}
    one_line = code == 2 and len(lines) == 1 and lines[0].startswith('sae-movies train: error:')
    return {**row, 'outcome': 'refused' if one_line else 'failed', 'message': '\n'.join(lines[-6:])}

def run(sizes, models:dict, keep, epochs, limit, save, sets:list=())->list: # models: name -> whether it takes --epochs; save: called with the rows so far
    root, rows = Path(keep or tempfile.mkdtemp()), []
    with tempfile.TemporaryDirectory() as ckpts:
        for size in sizes:
            folder, _ = synth_folder(root, size)
            for m in models:
                r = {'size': size, 'ratings': SIZES[size][2], **train(m, folder, SIZES[size][3], Path(ckpts)/f'{size}-{m}.pt', epochs if models[m] else 0, limit, sets)}
                rows.append(r); (Path(ckpts)/f'{size}-{m}.pt').unlink(missing_ok=True); save(rows)  # a run cut short keeps what it measured
                print(f"{size:>4} {m:<15} {r['outcome']:<8} {r['seconds']:7.1f} s {r['peak_gb']:6.2f} GB  {r['message'] or ''}"[:200], flush=True)
    return rows

if __name__ == '__main__':
    p = bench_args(__doc__, sizes='1m,10m', models=('', 'comma-separated (default: every registered model)'), without=('', 'comma-separated models to leave out'),
                   epochs=(0, 'most epochs of each model that trains by epochs (default: its own)'), limit=(900.0, 'seconds a run may take before it is stopped'),
                   out=('bench/results/every_model.json', 'results file'), set=('', "settings given to every model, as train's --set (NAME=VALUE,NAME=VALUE; a value may hold commas: hidden=512,256)"))
    a, t0 = p.parse_args(), time.perf_counter()
    takes = registered(); models = [m for m in (a.models.split(',') if a.models else takes) if m not in a.without.split(',')]
    save = lambda rows, quiet=True: save_results(Path(a.out), t0, quiet=quiet, rows=rows, models=models, complete=len(rows) == len(models) * len(a.sizes.split(",")),
                                                 epochs=a.epochs or "each model's own", limit_s=a.limit, set=a.set or None, huge_pages=huge_pages(), flush_denormal=flush_denormal())
    rows = run(a.sizes.split(','), {m: takes[m] for m in models}, a.keep, a.epochs, a.limit, save, re.split(r',(?=\w+=)', a.set) if a.set else [])
    print('\n' + pd.DataFrame(rows).pivot(index='model', columns='size', values='outcome').loc[models].to_string())
    save(rows, quiet=False)
