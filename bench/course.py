"""The course SAE's own 200-epoch run on ML-100K `u1`, beside the fast trainer on the same split, in one run.

- the course loop (`train_course`, seed 0, 200 epochs on `u1.base`, one thread as `sae --faithful` runs it): its printed training figure at every epoch,
  its test figure (the per-user mean RMSE of the course), the usual metrics of its predictions on `u1.test`
  (global RMSE and MAE, clipped to 1-5 and, as the course has them, unclipped) and its wall time;
- the fast trainer (`SAE()` with its defaults, which carves 5% of the training ratings for early stopping): one
  warm-up fit, then 5 timed fits; their median fit time, the first fit's clipped metrics (of `predict`) and the
  course test figure of its network.
05_sae shows this run and checks that the code still gives its first epochs. Saves bench/results/course.json.

    SAE_MOVIES_DATA=../shared/movielens .venv/bin/python bench/course.py
"""
import dataclasses, json, os, platform, time
from pathlib import Path
import numpy as np, torch
from sae_movies.data import load_dataset, to_dense
from sae_movies.core import atomic_write  # results replaced whole or not at all
from sae_movies.metrics import rating_metrics
from sae_movies.sae import SAE, train_course, course_test_loss
from sae_movies.train import torch_threads

EPOCHS, FAST_RUNS = 200, 5

def metrics(pred, net, u1, train_m, test_m):
    "Global metrics of predictions on `u1.test` (clipped to 1-5) and the course's test figure of the network."
    return {'clipped': rating_metrics(u1.test, pred), 'course_test_figure': course_test_loss(net, train_m, test_m)}

def main():
    ml = load_dataset('ml-100k', download=False); u1 = ml.split('u1')
    train_m, test_m = to_dense(u1.train, ml.imap), to_dense(u1.test, ml.imap)
    out = {'machine': {'python': platform.python_version(), 'torch': torch.__version__, 'cpus': os.cpu_count(), 'platform': platform.platform(),
                       'cpu_capability': torch.backends.cpu.get_cpu_capability()}, 'date': time.strftime('%Y-%m-%d %H:%M'), 'split': 'ml-100k u1'}
    t0 = time.perf_counter()
    with torch_threads(1): net, losses = train_course(train_m, epochs=EPOCHS, seed=0)  # as `sae --faithful` runs it (threads=1)
    seconds = time.perf_counter() - t0
    with torch.no_grad(): full = net(train_m).numpy()
    pred = full[ml.imap.users(u1.test.user), ml.imap.items(u1.test.item)]
    out['course'] = {'epochs': EPOCHS, 'seed': 0, 'train_figures': losses, 'seconds': seconds, **metrics(pred, net, u1, train_m, test_m),
                     'unclipped': rating_metrics(u1.test, pred, scale=(-np.inf, np.inf))}  # the course does not clip
    fit = lambda: SAE().fit(u1.train, imap=ml.imap, scale=ml.info.rating_scale)
    fit()  # warm-up: PyTorch's one-off start-up costs
    runs = [fit() for _ in range(FAST_RUNS)]
    fast = runs[0]
    out['fast'] = {'settings': dataclasses.asdict(fast.settings), 'runs': FAST_RUNS, 'fit_seconds': [m.fit_seconds for m in runs],
                   'seconds': float(np.median([m.fit_seconds for m in runs])), 'best_epoch': fast.best_epoch,
                   **metrics(fast.predict(u1.test.user, u1.test.item), fast.net, u1, train_m, test_m)}
    for name, r in (('course loop (200 epochs)', out['course']), ('fast trainer (median of 5)', out['fast'])):
        print(f"{name:28s} {r['seconds']:8.2f} s  global RMSE {r['clipped']['rmse']:.4f}  course test figure {r['course_test_figure']:.4f}")
    print(f"course figures: train {losses[-1]:.4f} / test {out['course']['course_test_figure']:.4f}; "
          f"speed-up {out['course']['seconds'] / out['fast']['seconds']:.0f}x")
    path = Path(__file__).parent/'results'/'course.json'
    atomic_write(path, lambda tmp: tmp.write_text(json.dumps(out, indent=1)))
    print(f'saved {path}')

if __name__ == '__main__': main()
