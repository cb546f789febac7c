"""Every model that takes a device (those that train with PyTorch, and the closed forms EASE, EDLAE, DLAE, watched-dlae, content-dlae, inf-ae and watched-inf-ae,
which solve in float64 on CUDA), on every device this machine has, side by side: does it fit there, how long does its fit
take, how good is the result, and does its checkpoint load back on the CPU with the same scores? Meant for a machine with
a GPU (this project's CI has none); on a machine without one it fills the CPU column alone. The closed forms skip MPS,
which has no float64.

    .venv/bin/python bench/device_check.py [--devices cpu,cuda] [--epochs 5] [--users 6040 --movies 3706 --ratings 1000209] [--models a,b --merge]

The data are synthetic ratings in ML-1M's format (`synthesize`, seed 0) in a temporary folder, so nothing is downloaded.
Rating models are scored by RMSE on a seeded 10% of the ratings (`random-0.1-seed0`), top-N models by NDCG@10 on 150
held-out users (`users-150-seed0`, liked = rating >= 4). Each fit uses the model's defaults with `--epochs` epochs and
seed 0; on CUDA its steps run in bfloat16 autocast (03_train), and some sparse CUDA kernels add in a varying order, so the
devices agree in quality rather than digit for digit. Prints the table, saves it as bench/results/device_check.json, and
exits with status 1 if any fit fails, gives a non-finite figure, or its checkpoint does not give back its scores.
`--merge` (with `--models`) keeps the saved rows of every other model and replaces those of `--models` (the data are seeded,
so the others' figures stand); the file's `runs` lists which run made which rows.
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
from sae_movies.train import pick_device, warm_up

def device_models()->list: return [n for n, c in MODELS.items() if 'device' in c.Settings.__dataclass_fields__]

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
        t = time.perf_counter()  # as `sae-movies train` fits: side information from the dataset, validation users for the top-N models
        m.use_dataset(ds).fit(split.train, None if m.predicts_ratings else split.valid, imap=ds.imap, scale=ds.info.rating_scale)
        row['fit_s'] = time.perf_counter() - t
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

if __name__ == '__main__':
    ap = argparse.ArgumentParser()
    ap.add_argument('--devices', default=','.join(devices_here()), help='comma-separated device types (default: every one this machine has)')
    ap.add_argument('--models', default=','.join(device_models()), help='comma-separated registered names (default: every model that takes a device)')
    ap.add_argument('--epochs', type=int, default=5)
    ap.add_argument('--users', type=int, default=6040); ap.add_argument('--movies', type=int, default=3706); ap.add_argument('--ratings', type=int, default=1_000_209)
    ap.add_argument('--merge', action='store_true', help="keep the saved rows of the models not in --models (same data sizes and epochs only)")
    a = ap.parse_args()
    path = Path(__file__).parent/'results'/'device_check.json'
    old = json.loads(path.read_text()) if a.merge else None
    if old and {k: v for k, v in old['args'].items() if k not in ('models', 'devices', 'merge')} != {k: v for k, v in vars(a).items() if k not in ('models', 'devices', 'merge')}:
        ap.error(f"--merge: the saved run used {old['args']}: give the same sizes and epochs")
    warm_up()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        ds = load_dataset('ml-1m', path=synthesize(tmp/'ml-1m', a.users, a.movies, a.ratings, 'ml-1m', seed=0))
        splits = {'rating': ds.split('random-0.1-seed0'), 'topn': ds.split('users-150-seed0')}
        rows = [check(n, d, ds, splits, a.epochs, tmp) for n in a.models.split(',') for d in a.devices.split(',')
                if not (d == 'mps' and getattr(model_class(n), 'float64', False))]  # no float64 on MPS
    run = {'date': time.strftime('%Y-%m-%d %H:%M'), 'models': a.models.split(',')}
    if old:  # the other models' rows stay, in the order of `device_models`
        rows = sorted([r for r in old['rows'] if r['model'] not in run['models']] + rows, key=lambda r: (device_models() + [r['model']]).index(r['model']))
        runs = old.get('runs', [{'date': old['date'], 'models': [m for m in old['args']['models'].split(',') if m not in run['models']]}]) + [run]
    t = pd.DataFrame(rows)
    print(t.drop(columns=[c for c in ('error',) if c in t]).round(4).to_string(index=False))
    for r in rows:
        if 'error' in r: print(f"{r['model']} on {r['device']}: {r['error']}")
    gpu = torch.cuda.get_device_name(0) if 'cuda' in a.devices else None
    out = {'machine': {'python': platform.python_version(), 'torch': torch.__version__, 'cpus': os.cpu_count(), 'gpu': gpu},
           'date': run['date'], 'args': vars(a), **({'runs': runs} if old else {}), 'rows': rows}
    atomic_write(path, lambda tmp: tmp.write_text(json.dumps(out, indent=1, default=float))); print(f'saved {path}')
    sys.exit(0 if all(r['ok'] for r in rows) else 1)
