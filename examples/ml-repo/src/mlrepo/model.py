"""A linear model y = w.x + b trained by full-batch gradient descent (standard library only)."""


def predict(w, b, x):
    return sum(wi * xi for wi, xi in zip(w, x)) + b


def mse(w, b, rows):
    return sum((predict(w, b, x) - y) ** 2 for x, y in rows) / len(rows)


def step(w, b, rows, lr):
    n = len(rows)
    gw = [0.0] * len(w)
    gb = 0.0
    for x, y in rows:
        err = predict(w, b, x) - y
        for i, xi in enumerate(x):
            gw[i] += 2 * err * xi / n
        gb += 2 * err / n
    return [wi - lr * g for wi, g in zip(w, gw)], b - lr * gb
