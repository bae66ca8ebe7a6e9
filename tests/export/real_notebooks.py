"""Notebooks like the tutorials people convert, built here (no kernel, no network): what
a kernel would have written, made by the same libraries (pandas' own ``_repr_html_``,
IPython's ANSI traceback layout).

* :func:`titanic_notebook`: a data-exploration tutorial: a 15-column passenger frame, a
  ``describe()`` table, a 20-column frame of encoded features, prose with inline code.
* :func:`linear_algebra_notebook`: matrices and the other maths notebooks use, in markdown
  and in a ``text/latex`` output (sympy's layout).
* :func:`traceback_notebook`: an IPython traceback and a coloured log, with their ANSI codes.
* :func:`bold_opening_notebook`: a homework sheet that opens with bold text, no heading,
  and has "## Setup" later.
"""

from __future__ import annotations

import random

from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

KERNEL = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
          "language_info": {"name": "python", "version": "3.11.9"}}

FIRST = ["Owen", "John", "Laina", "Lily", "William", "Thomas", "Elisabeth", "Anna", "Karl",
         "Margaret", "Patrick", "Bertha"]
LAST = ["Braund", "Cumings", "Heikkinen", "Futrelle", "Allen", "Moran", "McCarthy",
        "Palsson", "Johnson", "Nasser", "Sandstrom", "Bonnell"]


def titanic_frame(rows: int = 8, seed: int = 7):
    """A frame shaped like seaborn's ``titanic`` data set (15 columns)."""
    import pandas as pd

    rnd = random.Random(seed)
    data = []
    for _ in range(rows):
        sex = rnd.choice(["male", "female"])
        pclass = rnd.randint(1, 3)
        age = rnd.choice([None, round(rnd.uniform(0.5, 80), 1)])
        survived = rnd.randint(0, 1)
        data.append({
            "survived": survived, "pclass": pclass, "sex": sex, "age": age,
            "sibsp": rnd.randint(0, 4), "parch": rnd.randint(0, 2),
            "fare": round(rnd.uniform(5, 512), 4), "embarked": rnd.choice("SCQ"),
            "class": ["First", "Second", "Third"][pclass - 1],
            "who": "child" if age is not None and age < 16 else ("man" if sex == "male"
                                                                 else "woman"),
            "adult_male": sex == "male" and (age is None or age >= 16),
            "deck": rnd.choice([None, "A", "B", "C", "E"]),
            "embark_town": rnd.choice(["Southampton", "Cherbourg", "Queenstown"]),
            "alive": "yes" if survived else "no", "alone": rnd.random() < 0.5})
    frame = pd.DataFrame(data)
    frame.insert(0, "name", [f"{rnd.choice(LAST)}, {rnd.choice(['Mr.', 'Mrs.', 'Miss.'])} "
                             f"{rnd.choice(FIRST)} {rnd.choice(FIRST)}" for _ in range(rows)])
    return frame


def encoded_frame(rows: int = 5, columns: int = 20, seed: int = 3):
    """One-hot and scaled features, as a model's design matrix is printed."""
    import pandas as pd

    rnd = random.Random(seed)
    names = [f"feature_{k:02d}_{rnd.choice(['scaled', 'onehot', 'log1p'])}"
             for k in range(columns)]
    return pd.DataFrame([[round(rnd.gauss(0, 3), 6) for _ in names] for _ in range(rows)],
                        columns=names, index=[f"passenger_{i}" for i in range(rows)])


def table_output(frame, count: int = 1):
    return new_output("execute_result", execution_count=count, data={
        "text/html": frame._repr_html_(), "text/plain": frame.to_string()})


def code(source: str, *outputs, count: int = 1):
    cell = new_code_cell(source, execution_count=count)
    cell.outputs = list(outputs)
    return cell


INLINE_CODE_PROSE = (
    "We load the passenger list with `pd.read_csv` and look at the first rows with "
    "`df.head()`. The column `survived` is the target; `pclass`, `sex` and `age` are the "
    "features most tutorials start with, and `df.groupby(\"sex\")[\"survived\"].mean()` "
    "gives the first surprise of the data set, which the next cells draw.")


def titanic_notebook():
    titanic, encoded = titanic_frame(), encoded_frame()
    return new_notebook(metadata=dict(KERNEL), cells=[
        new_markdown_cell("# Titanic: who survived?\n\nA first look at the passenger list."),
        new_markdown_cell(INLINE_CODE_PROSE),
        code("import pandas as pd\ndf = pd.read_csv(\"titanic.csv\")\ndf.head(8)",
             table_output(titanic), count=1),
        code("df.describe()", table_output(titanic.describe()), count=2),
        code("X = pd.get_dummies(df).pipe(scale)\nX.head()", table_output(encoded), count=3),
    ])


MATRIX_TEX = (r"A^T = \begin{bmatrix}1&2\\3&4\end{bmatrix}^T = "
              r"\begin{bmatrix}1&3\\2&4\end{bmatrix}")
MATHS = [
    MATRIX_TEX,
    r"\begin{pmatrix}a & b\\ c & d\end{pmatrix}^{-1} = \frac{1}{ad-bc}"
    r"\begin{pmatrix}d & -b\\ -c & a\end{pmatrix}",
    r"\left( \frac{x_1 + x_2}{2} \right)^2 \leq \frac{x_1^2 + x_2^2}{2}",
    r"\begin{align} \hat{\beta} &= (X^\top X)^{-1} X^\top y \\ \bar{x} &= "
    r"\frac{1}{n}\sum_{i=1}^{n} x_i \end{align}",
    r"f(x) = \begin{cases} x^2 & \text{if } x \geq 0 \\ -x & \text{otherwise} \end{cases}",
    r"\vec{v} = \hat{\imath} + 2\hat{\jmath}, \quad \lVert \vec{v} \rVert_2 = \sqrt{5}",
    r"\det \begin{vmatrix} a & b \\ c & d \end{vmatrix} = ad - bc",
]


def linear_algebra_notebook():
    md = ("# Matrices in NumPy\n\nThe transpose swaps rows and columns:\n\n"
          f"$$ {MATHS[0]} $$\n\nThe inverse of a $2 \\times 2$ matrix:\n\n$${MATHS[1]}$$\n\n"
          f"Jensen's inequality for squares: ${MATHS[2]}$.\n\n$${MATHS[3]}$$\n\n"
          f"A piecewise function: $${MATHS[4]}$$\n\nUnit vectors: ${MATHS[5]}$ and "
          f"$${MATHS[6]}$$")
    sympy_matrix = (r"$\displaystyle \left[\begin{matrix}1 & 3\\2 & 4\end{matrix}\right]$")
    return new_notebook(metadata=dict(KERNEL), cells=[
        new_markdown_cell(md),
        code("import sympy as sp\nsp.Matrix([[1, 2], [3, 4]]).T", new_output(
            "execute_result", execution_count=1, data={
                "text/latex": sympy_matrix, "text/plain": "Matrix([[1, 3], [2, 4]])"})),
    ])


# IPython 8's traceback of a failing cell, as the kernel sends it (ANSI codes and all).
TRACEBACK = [
    "\x1b[0;31m---------------------------------------------------------------------------"
    "\x1b[0m",
    "\x1b[0;31mKeyError\x1b[0m                                  Traceback (most recent call "
    "last)",
    "Cell \x1b[0;32mIn[4], line 2\x1b[0m\n\x1b[1;32m      1\x1b[0m totals \x1b[38;5;241m=\x1b"
    "[39m df\x1b[38;5;241m.\x1b[39mgroupby(\x1b[38;5;124m\"\x1b[39m\x1b[38;5;124msex\x1b[39m"
    "\x1b[38;5;124m\"\x1b[39m)\x1b[38;5;241m.\x1b[39msum()\n\x1b[0;32m----> 2\x1b[0m \x1b"
    "[43mtotals\x1b[49m\x1b[43m[\x1b[49m\x1b[38;5;124;43m\"\x1b[39;49m\x1b[38;5;124;43m"
    "survival_rate\x1b[39;49m\x1b[38;5;124;43m\"\x1b[39;49m\x1b[43m]\x1b[49m\n",
    "File \x1b[0;32m~/venv/lib/python3.11/site-packages/pandas/core/frame.py:4102\x1b[0m, in "
    "\x1b[0;36mDataFrame.__getitem__\x1b[0;34m(self, key)\x1b[0m\n\x1b[1;32m   4100\x1b[0m "
    "\x1b[38;5;28;01mif\x1b[39;00m \x1b[38;5;28mself\x1b[39m\x1b[38;5;241m.\x1b[39mcolumns"
    "\x1b[38;5;241m.\x1b[39mnlevels \x1b[38;5;241m>\x1b[39m \x1b[38;5;241m1\x1b[39m:\n\x1b"
    "[0;32m-> 4102\x1b[0m indexer \x1b[38;5;241m=\x1b[39m \x1b[38;5;28mself\x1b[39m\x1b"
    "[38;5;241m.\x1b[39mcolumns\x1b[38;5;241m.\x1b[39mget_loc(key)\n",
    "\x1b[0;31mKeyError\x1b[0m: 'survival_rate'",
]
COLOURED_LOG = ("\x1b[32m[I 10:02:11]\x1b[0m loaded 891 rows\n"
                "\x1b[1;33m[W 10:02:12]\x1b[0m 177 ages missing\n"
                "\x1b[1;31m[E 10:02:12]\x1b[0m column \x1b[4mcabin\x1b[0m dropped\n"
                "\x1b[0;92mPASSED\x1b[0m test_loader \x1b[0;36mcyan\x1b[0m \x1b[0;94mblue"
                "\x1b[0m \x1b[0;35mmagenta\x1b[0m \x1b[41;97m FAIL \x1b[0m\n")


def traceback_notebook():
    error = new_output("error", ename="KeyError", evalue="'survival_rate'",
                       traceback=TRACEBACK)
    return new_notebook(metadata=dict(KERNEL), cells=[
        new_markdown_cell("# Debugging the summary"),
        code("run_pipeline(verbose=True)", new_output("stream", name="stderr",
                                                      text=COLOURED_LOG), count=3),
        code("totals = df.groupby(\"sex\").sum()\ntotals[\"survival_rate\"]", error, count=4),
        code("!pip install seaborn\n%timeit df.sum()\ndf?", count=5),
    ])


def bold_opening_notebook():
    return new_notebook(metadata=dict(KERNEL), cells=[
        new_markdown_cell("**Homework 3: regression** — due Friday, 5 pm.\n\n"
                          "Answer every question in the cells below."),
        new_markdown_cell("## Setup\n\nRun the next cell first."),
        code("import numpy as np", count=1),
        new_markdown_cell("## Question 1\n\nFit a line."),
    ])
