"""The Python reference pipeline for the classification benchmark: jieba + scikit-learn
TF-IDF (word unigrams, sublinear tf) + LinearSVC, trained on the same file, then classifying
the same messages on one core. Prints key=value lines like the Rust example."""
import csv, sys, time

import jieba
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

jieba.setLogLevel(60)
train_path, msgs_path = sys.argv[1], sys.argv[2]
t0 = time.perf_counter()
jieba.initialize()
print(f"segmenter_load_ms={(time.perf_counter() - t0) * 1e3:.0f}")


def tokens(text):
    return [w for w in jieba.lcut(text) if w.strip()]


rows = list(csv.DictReader(open(train_path, encoding="utf-8")))
texts = [(r.get("title") or "") + " " + (r.get("body") or "") for r in rows]
labels = [r["label"] for r in rows]
t0 = time.perf_counter()
vec = TfidfVectorizer(tokenizer=tokens, token_pattern=None, lowercase=False, sublinear_tf=True)
clf = LinearSVC(C=1.0).fit(vec.fit_transform(texts), labels)
print(f"train_s={time.perf_counter() - t0:.1f}")

msgs = list(csv.DictReader(open(msgs_path, encoding="utf-8")))
mtexts = [(m.get("topic") or m.get("title") or "") + " " + (m.get("detail") or m.get("body") or "") for m in msgs]
t0 = time.perf_counter()
for t in mtexts:
    tokens(t)
seg = time.perf_counter() - t0
# One message at a time, as intake classifies.
t0 = time.perf_counter()
lat = []
for t in mtexts:
    s = time.perf_counter()
    clf.predict(vec.transform([t]))
    lat.append(time.perf_counter() - s)
total = time.perf_counter() - t0
# And the batch form, which is the pipeline's best case.
t0 = time.perf_counter()
clf.predict(vec.transform(mtexts))
batch = time.perf_counter() - t0
lat.sort()
print(f"messages={len(mtexts)}")
print(f"segment_msgs_per_s={len(mtexts) / seg:.0f}")
print(f"classify_msgs_per_s={len(mtexts) / total:.0f}")
print(f"batch_msgs_per_s={len(mtexts) / batch:.0f}")
print(f"latency_p50_ms={lat[len(lat) // 2] * 1e3:.3f}")
print(f"latency_p99_ms={lat[int((len(lat) - 1) * 0.99)] * 1e3:.3f}")
