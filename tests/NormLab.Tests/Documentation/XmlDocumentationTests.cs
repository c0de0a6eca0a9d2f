using Xunit;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;
using System.Xml.Linq;

namespace NormLab.Tests.Documentation;

/// The package's XML documentation, as IntelliSense shows it: every public constructor, method,
/// indexer and delegate documents each of its parameters. The compiler checks summaries (CS1591)
/// and half-documented members (CS1573), but not a member whose summary has no param tags at all.
public class XmlDocumentationTests
{
    static readonly Assembly Library = typeof(Tensor).Assembly;

    [Fact]
    public void EveryPublicParameterIsDocumented()
    {
        var docs = LoadDocs();
        var missing = new List<string>();
        foreach (var type in Library.GetExportedTypes())
        foreach (var (id, parameters) in DocumentedMembers(type))
        {
            if (!docs.TryGetValue(id, out var doc))
            {
                // An implicit parameterless constructor has nothing to document (CS1591 agrees).
                if (parameters.Length > 0) missing.Add($"{id}: no documentation");
                continue;
            }
            if (doc.Element("inheritdoc") is not null) continue;
            var named = doc.Elements("param").Select(p => (string?)p.Attribute("name")).ToHashSet();
            var undocumented = parameters.Where(p => !named.Contains(p)).ToList();
            if (undocumented.Count > 0) missing.Add($"{id}: no <param> for {string.Join(", ", undocumented)}");
        }
        Assert.True(missing.Count == 0, $"{missing.Count} public members lack parameter docs:\n" + string.Join("\n", missing));
    }

    [Fact]
    public void MainEntryPointsHaveExamples()
    {
        var docs = LoadDocs();
        var entryPoints = new[] { typeof(Sequential), typeof(Model) }
            .Concat(Library.GetExportedTypes().Where(t => !t.IsAbstract && t.Namespace == "NormLab.Layers"
                && t.Name.EndsWith("Normalization", StringComparison.Ordinal)));
        var without = entryPoints.Select(t => "T:" + TypeName(t, false))
            .Where(id => !docs.TryGetValue(id, out var doc) || doc.Element("example") is null).ToList();
        var fit = docs.Where(d => d.Key.StartsWith("M:NormLab.Model.Fit(", StringComparison.Ordinal)).ToList();
        if (!fit.Any(d => d.Value.Element("example") is not null)) without.Add("M:NormLab.Model.Fit");
        Assert.True(without.Count == 0, "No <example> on: " + string.Join(", ", without));
    }

    static Dictionary<string, XElement> LoadDocs()
    {
        var path = Path.ChangeExtension(Library.Location, ".xml");
        Assert.True(File.Exists(path), $"{path} is missing: the library must build its XML documentation file");
        return XDocument.Load(path).Descendants("member")
            .ToDictionary(m => (string)m.Attribute("name")!, m => m);
    }

    /// Members whose parameters a user reads in IntelliSense, with their documentation IDs.
    static IEnumerable<(string Id, string[] Parameters)> DocumentedMembers(Type type)
    {
        const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance
            | BindingFlags.Static | BindingFlags.DeclaredOnly;
        if (typeof(Delegate).IsAssignableFrom(type))
        {
            var invoke = type.GetMethod("Invoke")!;
            yield return ("T:" + TypeName(type, false), invoke.GetParameters().Select(p => p.Name!).ToArray());
            yield break;
        }
        bool record = type.GetMethod("<Clone>$") is not null || type.GetMethod("PrintMembers", Declared) is not null;
        foreach (var ctor in type.GetConstructors(Declared).Where(Visible))
        {
            if (record && IsCopyConstructor(ctor, type)) continue;
            var id = $"M:{TypeName(type, false)}.#ctor{Parameters(ctor.GetParameters())}";
            // A positional record documents its parameters on the type.
            if (record && ctor.GetParameters().Length > 0 && ctor.GetParameters().All(p => type.GetProperty(p.Name!) is not null))
                id = "T:" + TypeName(type, false);
            yield return (id, ctor.GetParameters().Select(p => p.Name!).ToArray());
        }
        foreach (var method in type.GetMethods(Declared).Where(Visible))
        {
            if (method.IsSpecialName && !method.Name.StartsWith("op_", StringComparison.Ordinal)) continue;
            if (method.IsDefined(typeof(CompilerGeneratedAttribute)) || method.Name.Contains('<')) continue;
            if (record && method.Name is "Equals" or "GetHashCode" or "ToString" or "Deconstruct" or "PrintMembers") continue;
            if (method.GetParameters().Length == 0) continue;
            var generic = method.IsGenericMethodDefinition ? "``" + method.GetGenericArguments().Length : "";
            var conversion = method.Name is "op_Implicit" or "op_Explicit" ? "~" + TypeName(method.ReturnType, true) : "";
            yield return ($"M:{TypeName(type, false)}.{method.Name}{generic}{Parameters(method.GetParameters())}{conversion}",
                method.GetParameters().Select(p => p.Name!).ToArray());
        }
        foreach (var indexer in type.GetProperties(Declared).Where(p => p.GetIndexParameters().Length > 0))
        {
            var accessor = indexer.GetMethod ?? indexer.SetMethod!;
            if (!Visible(accessor)) continue;
            yield return ($"P:{TypeName(type, false)}.{indexer.Name}{Parameters(indexer.GetIndexParameters())}",
                indexer.GetIndexParameters().Select(p => p.Name!).ToArray());
        }
    }

    static bool Visible(MethodBase m) => m.IsPublic || m.IsFamily || m.IsFamilyOrAssembly;

    static bool IsCopyConstructor(ConstructorInfo ctor, Type type) =>
        ctor.GetParameters() is [var only] && only.ParameterType == type;

    static string Parameters(ParameterInfo[] parameters) =>
        parameters.Length == 0 ? "" : "(" + string.Join(",", parameters.Select(p => TypeName(p.ParameterType, true))) + ")";

    /// A type as documentation IDs spell it (ECMA-334 annex D).
    static string TypeName(Type type, bool inSignature)
    {
        if (type.IsByRef) return TypeName(type.GetElementType()!, inSignature) + "@";
        if (type.IsPointer) return TypeName(type.GetElementType()!, inSignature) + "*";
        if (type.IsArray)
        {
            var rank = type.GetArrayRank();
            var suffix = rank == 1 ? "[]" : "[" + string.Join(",", Enumerable.Repeat("0:", rank)) + "]";
            return TypeName(type.GetElementType()!, inSignature) + suffix;
        }
        if (type.IsGenericParameter)
            return (type.DeclaringMethod is not null ? "``" : "`") + type.GenericParameterPosition;
        var name = new StringBuilder();
        if (type.IsNested) name.Append(TypeName(type.DeclaringType!, false)).Append('.');
        else if (!string.IsNullOrEmpty(type.Namespace)) name.Append(type.Namespace).Append('.');
        var simple = type.Name;
        int tick = simple.IndexOf('`');
        if (!inSignature || !type.IsGenericType) return name.Append(simple).ToString();
        if (tick >= 0) simple = simple[..tick];
        name.Append(simple);
        var ownArgs = type.GetGenericArguments().Skip(type.IsNested ? type.DeclaringType!.GetGenericArguments().Length : 0).ToArray();
        if (ownArgs.Length > 0 && !type.IsGenericTypeDefinition)
            name.Append('{').Append(string.Join(",", ownArgs.Select(a => TypeName(a, true)))).Append('}');
        return name.ToString();
    }
}
