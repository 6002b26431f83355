# The accuracy baseline of `npm run bench -- scorecard`: scikit-learn's LogisticRegression (no
# penalty, so a maximum-likelihood fit like the scorecard's) on the same WOE-binned features of the
# German credit training split; prints the held-out AUC as JSON. Argument: the directory holding
# train.csv and test.csv (WOE columns, then y).
import json
import sys

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score


def load(path):
    data = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    return data[:, :-1], data[:, -1]


folder = sys.argv[1]
x_train, y_train = load(f"{folder}/train.csv")
x_test, y_test = load(f"{folder}/test.csv")
try:
    model = LogisticRegression(penalty=None, max_iter=10000)
    model.fit(x_train, y_train)
except (TypeError, ValueError):
    # scikit-learn before 1.2 spells "no penalty" as the string 'none'.
    model = LogisticRegression(penalty="none", max_iter=10000)
    model.fit(x_train, y_train)
print(json.dumps({"auc": roc_auc_score(y_test, model.predict_proba(x_test)[:, 1]), "version": sklearn.__version__}))
