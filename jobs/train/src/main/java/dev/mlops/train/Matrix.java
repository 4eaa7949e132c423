package dev.mlops.train;

/** Dense row-major features (NaN = missing) and labels, as XGBoost takes them. */
public record Matrix(float[] values, int rows, int cols, float[] labels) {
    public Matrix {
        if (values.length != (long) rows * cols || labels.length != rows) {
            throw new IllegalArgumentException("matrix of " + rows + " x " + cols + " with " + values.length + " values and " + labels.length + " labels");
        }
    }

    public float value(int row, int col) {
        return values[row * cols + col];
    }
}
