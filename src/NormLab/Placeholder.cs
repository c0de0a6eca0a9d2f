namespace NormLab;
