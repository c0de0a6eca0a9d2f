namespace NormLab.Data;

/// <summary>A labelled image dataset split into training and test sets: images (n, h, w, c) in [0, 1], labels (n).</summary>
/// <param name="TrainImages">Training images (n, h, w, c) in [0, 1].</param>
/// <param name="TrainLabels">Training labels (n), class indices.</param>
/// <param name="TestImages">Test images (m, h, w, c) in [0, 1].</param>
/// <param name="TestLabels">Test labels (m).</param>
/// <param name="Source">Where the data came from, for reports.</param>
public sealed record ImageDataset(Tensor TrainImages, Tensor TrainLabels, Tensor TestImages, Tensor TestLabels, string Source)
{
    /// <summary>Deconstructs into (train images, train labels, test images, test labels).</summary>
    public void Deconstruct(out Tensor trainImages, out Tensor trainLabels, out Tensor testImages, out Tensor testLabels)
        => (trainImages, trainLabels, testImages, testLabels) = (TrainImages, TrainLabels, TestImages, TestLabels);

    /// <summary>The first <paramref name="train"/> training and <paramref name="test"/> test samples (null keeps all).</summary>
    /// <param name="train">Training samples to keep; null keeps all.</param>
    /// <param name="test">Test samples to keep; null keeps all.</param>
    public ImageDataset Take(int? train, int? test) => this with
    {
        TrainImages = Batches.Rows(TrainImages, 0, Math.Min(train ?? int.MaxValue, TrainImages.Dim(0))),
        TrainLabels = Batches.Rows(TrainLabels, 0, Math.Min(train ?? int.MaxValue, TrainLabels.Dim(0))),
        TestImages = Batches.Rows(TestImages, 0, Math.Min(test ?? int.MaxValue, TestImages.Dim(0))),
        TestLabels = Batches.Rows(TestLabels, 0, Math.Min(test ?? int.MaxValue, TestLabels.Dim(0))),
    };
}

/// <summary>Loads MNIST-layout directories: <c>train-images-idx3-ubyte[.gz]</c>, <c>train-labels-idx1-ubyte[.gz]</c>, <c>t10k-*</c>.</summary>
public static class MnistFormat
{
    /// <summary>The number of classes of MNIST and Fashion-MNIST; a label file with a larger label is corrupt.</summary>
    public const int Classes = 10;

    /// <summary>The four files of <paramref name="directory"/>, scaled to [0, 1] and shaped NHWC.</summary>
    /// <param name="directory">The folder with the four IDX files (optionally .gz).</param>
    /// <param name="name">The caller's name for error messages.</param>
    /// <exception cref="System.IO.DirectoryNotFoundException">When <paramref name="directory"/> does not exist.</exception>
    /// <exception cref="System.IO.FileNotFoundException">When one of the four files is missing.</exception>
    /// <exception cref="FormatException">When a file is not a valid IDX file, the images and labels do not match, or a label is not a class index.</exception>
    public static ImageDataset Load(string directory, string name)
    {
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"{name}: the directory '{directory}' does not exist.");
        var (trainX, trainY) = LoadPair(directory, "train", name);
        var (testX, testY) = LoadPair(directory, "t10k", name);
        return new ImageDataset(trainX, trainY, testX, testY, Path.GetFullPath(directory));
    }

    /// <summary>Images and labels from one images file and one labels file, checked against each other.</summary>
    /// <param name="imagesPath">The images IDX file.</param>
    /// <param name="labelsPath">The labels IDX file, with as many labels as images.</param>
    /// <exception cref="System.IO.FileNotFoundException">When a file does not exist.</exception>
    /// <exception cref="FormatException">When a file is not a valid IDX file, the images are not 3-dimensional or the labels 1-dimensional, their counts differ, or a label is not a class index.</exception>
    public static (Tensor images, Tensor labels) LoadPair(string imagesPath, string labelsPath)
    {
        var (imageDims, pixels) = Idx.Read(imagesPath);
        var (labelDims, labelBytes) = Idx.Read(labelsPath);
        if (imageDims.Length != 3)
            throw new FormatException($"IDX file '{imagesPath}': images must have 3 dimensions (count, rows, columns), the file has [{string.Join(", ", imageDims)}].");
        if (labelDims.Length != 1)
            throw new FormatException($"IDX file '{labelsPath}': labels must have 1 dimension (count), the file has [{string.Join(", ", labelDims)}].");
        if (imageDims[0] != labelDims[0])
            throw new FormatException($"IDX files '{imagesPath}' and '{labelsPath}': {imageDims[0]} images but {labelDims[0]} labels; the counts must match.");
        var images = new float[pixels.Length];
        for (int i = 0; i < pixels.Length; i++) images[i] = pixels[i] / 255f;
        var labels = new float[labelBytes.Length];
        for (int i = 0; i < labelBytes.Length; i++)
        {
            if (labelBytes[i] >= Classes)
                throw new FormatException($"IDX file '{labelsPath}': label {labelBytes[i]} of sample {i} is outside [0, {Classes}) (MNIST and Fashion-MNIST have {Classes} classes).");
            labels[i] = labelBytes[i];
        }
        return (Tensor.FromArray(images, imageDims[0], imageDims[1], imageDims[2], 1), Tensor.FromArray(labels, labelDims[0]));
    }

    private static (Tensor, Tensor) LoadPair(string directory, string split, string name) =>
        LoadPair(Find(directory, $"{split}-images-idx3-ubyte", name), Find(directory, $"{split}-labels-idx1-ubyte", name));

    private static string Find(string directory, string stem, string name)
    {
        foreach (var candidate in new[] { stem + ".gz", stem, stem.Replace("-idx", ".idx") + ".gz", stem.Replace("-idx", ".idx") })
        {
            var path = Path.Combine(directory, candidate);
            if (File.Exists(path)) return path;
        }
        throw new FileNotFoundException($"{name}: '{directory}' has no {stem} or {stem}.gz.", Path.Combine(directory, stem));
    }
}

/// <summary>Fashion-MNIST (Zalando, MIT licence): 28x28 grey images of ten kinds of clothing.</summary>
public static class FashionMnist
{
    /// <summary>The class names, in label order.</summary>
    public static readonly string[] ClassNames =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>Where Debian's dataset-fashion-mnist package installs the full set.</summary>
    public const string DebianDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>(train images (n, 28, 28, 1) in [0, 1], train labels, test images, test labels) from the four IDX files in <paramref name="directory"/>.</summary>
    /// <param name="directory">The folder with the four Fashion-MNIST IDX files, such as <see cref="DebianDirectory"/>.</param>
    public static ImageDataset Load(string directory) => MnistFormat.Load(directory, "FashionMnist.Load");
}

/// <summary>MNIST handwritten digits, in the same file layout as Fashion-MNIST.</summary>
public static class Mnist
{
    /// <summary>(train images (n, 28, 28, 1) in [0, 1], train labels, test images, test labels) from the four IDX files in <paramref name="directory"/>.</summary>
    /// <param name="directory">The folder with the four MNIST IDX files.</param>
    public static ImageDataset Load(string directory) => MnistFormat.Load(directory, "Mnist.Load");
}
