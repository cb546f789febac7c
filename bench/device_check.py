"""Every model that takes a device (those that train with PyTorch, and the closed forms EASE, EDLAE, DLAE, watched-dlae, content-dlae, inf-ae and watched-inf-ae,
which solve in float64 on CUDA; not the blends, which pass their device to these), on every device this machine has, side by side: does it fit there, how long does its fit
take, how good is the result, and does its checkpoint load back on the CPU with the same scores? Meant for a machine with
a GPU (this project's CI has none); on a machine without one it fills the CPU column alone. The closed forms skip MPS,
which has no float64.

    .venv/bin/python bench/device_check.py [--devices cpu,cuda] [--epochs 5] [--users 6040 --movies 3706 --ratings 1000209] [--models a,b --merge]

The data are synthetic ratings in ML-1M's format (`synthesize`, seed 0) in a temporary folder, so nothing is downloaded.
Rating models are scored by RMSE on a seeded 10% of the ratings (`random-0.1-seed0`), top-N models by NDCG@10 on 150
held-out users (`users-150-seed0`, liked = rating >= 4). Each fit uses the model's defaults with `--epochs` epochs and
seed 0; on CUDA its steps run in bfloat16 autocast (03_train; SAE_MOVIES_AMP=0 turns it off, and each run records
which it used as `amp`), its `gpu_peak_gb` is the most GPU memory tensors held during the fit (`gpu_before_gb` of it held before), and some sparse CUDA kernels add in a varying order, so the
devices agree in quality rather than digit for digit. Prints the table, saves it as bench/results/device_check.json, and
exits with status 1 if any fit fails, gives a non-finite figure, or its checkpoint does not give back its scores.
`--merge` keeps the saved rows of every (model, device) pair this run does not fit and replaces the others (the data are
seeded, so the others' figures stand): a GPU machine's run adds its column beside this machine's CPU one. The file's `runs`
lists which run, on which machine, made which rows (`models`: those it fitted; `asked`: those it was asked for). The file is
written after every fit, so a run stopped part-way keeps what it measured.
It runs from a checkout where the package's requirements import: after `pip install -e .`, or with `PYTHONPATH=.` on a
machine whose Python already has them (a GPU image with its own CUDA build of PyTorch, say).
"""
import argparse, json, math, os, platform, sys, tempfile, time, traceback
from pathlib import Path
import numpy as np, pandas as pd, torch
from sae_movies.data import load_dataset
from sae_movies.core import atomic_write  # results replaced whole or not at all
from sae_movies.synth import synthesize
from sae_movies.models import MODELS, model_class, load_model
from sae_movies.topn import TopNModel
from sae_movies.evaluate import evaluate_ratings, topn_eval
from sae_movies.train import pick_device, warm_up, AMP_DEVICES

def device_models()->list:
    "The models with a device of their own: the blends (ensemble, topn-ensemble) only pass theirs to their members, which are checked here themselves."
    return [n for n, c in MODELS.items() if 'device' in (f := c.Settings.__dataclass_fields__) and 'members' not in f]

def devices_here()->list:
    "The device types this machine can train on."
    return ['cpu'] + [d for d in ('cuda', 'mps') if _available(d)]

def _available(device):
    try: pick_device(device); return True
    except Exception: return False

def check(name:str, device:str, ds, splits:dict, epochs:int, folder:Path)->dict:
    "Fit one model on one device; its time, its figure and whether its checkpoint scores the same on the CPU."
    cls = model_class(name); topn = issubclass(cls, TopNModel)
    split = splits['topn' if topn else 'rating']
    row = {'model': name, 'device': device, 'metric': 'ndcg@10' if topn else 'rmse'}
    try:
        kw = {'epochs': epochs} if 'epochs' in cls.Settings.__dataclass_fields__ else {}
        m = cls(device=device, seed=0, **kw)
        if device == 'cuda': torch.cuda.reset_peak_memory_stats(); row['gpu_before_gb'] = torch.cuda.memory_allocated() / 1e9  # left by earlier fits
        t = time.perf_counter()  # as `sae-movies train` fits: side information from the dataset, validation users for the top-N models
        m.use_dataset(ds).fit(split.train, None if m.predicts_ratings else split.valid, imap=ds.imap, scale=ds.info.rating_scale)
        row['fit_s'] = time.perf_counter() - t
        if device == 'cuda': row['gpu_peak_gb'] = torch.cuda.max_memory_allocated() / 1e9  # the fit's largest GPU memory held by tensors
        row['value'] = (topn_eval(m, split)['ndcg@10'] if topn else evaluate_ratings(m, split)['rmse'])
        known = split.fold_in if topn and split.fold_in is not None else split.train
        users = np.unique(split.test.user.to_numpy())[:50]
        path = folder/f'{name}-{device}.pt'; m.save(path, {'name': ds.name, 'split': split.name})
        back = load_model(path, ds)  # on the CPU, whatever device it was trained on
        row['checkpoint_max_diff'] = float(np.abs(m.score(users, known=known) - back.score(users, known=known)).max())
        row['ok'] = bool(math.isfinite(row['value']) and row['checkpoint_max_diff'] < 1e-5)
    except Exception as e:
        row.update(ok=False, error=f'{type(e).__name__}: {e}'); traceback.print_exc()
    return row

def machine()->dict:
    return {'python': platform.python_version(), 'torch': torch.__version__, 'cpus': os.cpu_count(),
            'gpu': torch.cuda.get_device_name(0) if torch.cuda.is_available() else None}

def merged(old:dict, rows:list, run:dict)->tuple: # (rows, runs)
    "The saved rows of every (model, device) this run did not fit, with this run's rows, in the order of `device_models`; the runs that made them."
    done = {(r['model'], r['device']) for r in rows}
    rows = sorted([r for r in old['rows'] if (r['model'], r['device']) not in done] + rows,
                  key=lambda r: ((device_models() + [r['model']]).index(r['model']), r['device']))
    earlier = old.get('runs', [{'date': old['date'], 'models': old['args']['models'].split(','), 'devices': old['args']['devices'].split(','), 'machine': old['machine']}])
    earlier = [{'devices': ['cpu'], 'machine': old['machine'], **r} for r in earlier]  # runs saved before devices and machines were recorded ran on the CPU of the file's machine
    kept = {(r['model'], r['device']) for r in old['rows']} - done
    earlier = [{**r, 'models': [m for m in r['models'] if any((m, d) in kept for d in r['devices'])]} for r in earlier]
    return rows, [r for r in earlier if r['models']] + [run]  # each earlier run credited only with the rows it still holds

def save(path:Path, a, rows:list, run:dict, old:dict=None):
    "Write the results (merged into the saved ones with --merge): after every fit, so a run stopped part-way keeps what it measured."
    run = {**run, 'models': list(dict.fromkeys(r['model'] for r in rows))}  # those fitted so far; 'asked' keeps the list asked for
    rows, runs = merged(old, rows, run) if old else (rows, [run])
    out = {'machine': run['machine'], 'date': run['date'], 'args': {**vars(a), 'out': str(a.out)}, 'runs': runs, 'rows': rows}
    atomic_write(path, lambda tmp: tmp.write_text(json.dumps(out, indent=1, default=float)))
    return rows

if __name__ == '__main__':
    ap = argparse.ArgumentParser()
    ap.add_argument('--devices', default=','.join(devices_here()), help='comma-separated device types (default: every one this machine has)')
    ap.add_argument('--models', default=','.join(device_models()), help='comma-separated registered names (default: every model that takes a device)')
    ap.add_argument('--epochs', type=int, default=5)
    ap.add_argument('--users', type=int, default=6040); ap.add_argument('--movies', type=int, default=3706); ap.add_argument('--ratings', type=int, default=1_000_209)
    ap.add_argument('--merge', action='store_true', help="keep the saved rows of the (model, device) pairs this run does not fit (same data sizes and epochs only)")
    ap.add_argument('--out', type=Path, default=Path(__file__).parent/'results'/'device_check.json', help='results file (default: bench/results/device_check.json)')
    a = ap.parse_args()
    old = json.loads(a.out.read_text()) if a.merge else None
    same = lambda args: {k: v for k, v in args.items() if k not in ('models', 'devices', 'merge', 'out')}
    if old and same(old['args']) != same(vars(a)): ap.error(f"--merge: the saved run used {old['args']}: give the same sizes and epochs")
    run = {'date': time.strftime('%Y-%m-%d %H:%M'), 'asked': a.models.split(','), 'devices': a.devices.split(','), 'machine': machine(),
           'amp': list(AMP_DEVICES)}  # device types that trained in bfloat16 autocast (none with SAE_MOVIES_AMP=0)
    warm_up()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        ds = load_dataset('ml-1m', path=synthesize(tmp/'ml-1m', a.users, a.movies, a.ratings, 'ml-1m', seed=0))
        splits = {'rating': ds.split('random-0.1-seed0'), 'topn': ds.split('users-150-seed0')}
        for n in a.models.split(','):
            for d in a.devices.split(','):
                if d == 'mps' and getattr(model_class(n), 'float64', False): continue  # no float64 on MPS
                rows.append(check(n, d, ds, splits, a.epochs, tmp)); r = rows[-1]
                print(f"{n} on {d}: {r.get('metric')} {r.get('value', float('nan')):.4f}, fit {r.get('fit_s', float('nan')):.1f} s, ok {r['ok']}", flush=True)
                save(a.out, a, rows, run, old)
    t = pd.DataFrame(save(a.out, a, rows, run, old))
    print(t.drop(columns=[c for c in ('error',) if c in t]).round(4).to_string(index=False))
    for r in rows:
        if 'error' in r: print(f"{r['model']} on {r['device']}: {r['error']}")
    print(f'saved {a.out}')
    sys.exit(0 if all(r['ok'] for r in rows) else 1)
