using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SeSPHR.Crypto.Tests.Umbral;

/// <summary>
/// The reference implementation, <c>@nucypher/umbral-pre</c> 0.10.0 (WASM), installed with npm
/// into the git-ignored <c>.cache/umbral-node/</c> at the repository root on first use and reused
/// afterwards. Concurrent test processes serialize the install on a lock file. When npm or node is
/// missing, or the install fails, this throws: the interoperability tests fail, they never skip.
/// </summary>
public sealed class UmbralReferenceNode
{
    public const string PackageVersion = "0.10.0";
    private static readonly TimeSpan InstallTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan CallTimeout = TimeSpan.FromMinutes(1);

    private readonly string _directory;
    private readonly string _script;

    public UmbralReferenceNode()
    {
        _directory = Path.Combine(RepositoryRoot(), ".cache", "umbral-node");
        Directory.CreateDirectory(_directory);
        EnsureInstalled();
        _script = Path.Combine(_directory, "sesphr-interop.mjs");
        // Written fresh each run (atomically, so parallel processes never read half a file).
        var temporary = _script + "." + Environment.ProcessId + ".tmp";
        File.WriteAllText(temporary, Script);
        File.Move(temporary, _script, overwrite: true);
    }

    /// <summary>Runs one operation in Node; request and response are JSON objects with hex strings.</summary>
    public JsonObject Call(JsonObject request)
    {
        var (exitCode, stdout, stderr) = Run("node", [_script], _directory, request.ToJsonString(), CallTimeout);
        if (exitCode != 0)
            throw new InvalidOperationException($"node exited with {exitCode}: {stderr}");
        return JsonNode.Parse(stdout)!.AsObject();
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SeSPHR.sln")))
                return dir.FullName;
        }

        throw new InvalidOperationException($"No ancestor of {AppContext.BaseDirectory} holds SeSPHR.sln.");
    }

    private bool IsInstalled()
    {
        var manifest = Path.Combine(_directory, "node_modules", "@nucypher", "umbral-pre", "package.json");
        if (!File.Exists(manifest))
            return false;
        using var document = JsonDocument.Parse(File.ReadAllText(manifest));
        return document.RootElement.GetProperty("version").GetString() == PackageVersion;
    }

    private void EnsureInstalled()
    {
        if (IsInstalled())
            return;

        using var installLock = AcquireLock(Path.Combine(_directory, ".install.lock"));
        if (IsInstalled())
            return;

        File.WriteAllText(
            Path.Combine(_directory, "package.json"),
            $$"""{ "name": "sesphr-umbral-reference", "private": true, "type": "module", "dependencies": { "@nucypher/umbral-pre": "{{PackageVersion}}" } }""");
        var (exitCode, stdout, stderr) = Run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], _directory, null, InstallTimeout);
        if (exitCode != 0 || !IsInstalled())
            throw new InvalidOperationException($"npm install of @nucypher/umbral-pre@{PackageVersion} failed ({exitCode}): {stdout} {stderr}");
    }

    private static FileStream AcquireLock(string path)
    {
        var deadline = DateTime.UtcNow + InstallTimeout;
        while (true)
        {
            try
            {
                // FileShare.None takes an exclusive advisory lock on Unix too.
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(250);
            }
        }
    }

    private static (int ExitCode, string Stdout, string Stderr) Run(string fileName, string[] arguments, string workingDirectory, string? input, TimeSpan timeout)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
            startInfo.ArgumentList.Add(argument);

        using var process = Process.Start(startInfo)
            ?? throw new InvalidOperationException($"Could not start {fileName}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (input is not null)
            process.StandardInput.Write(input);
        process.StandardInput.Close();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} did not finish within {timeout}.");
        }

        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    // Reads one JSON request from stdin, writes one JSON response. Every WASM object is created
    // fresh for each use: verify() takes ownership of (consumes) its JS object.
    private const string Script = """
        import { createRequire } from 'module';
        const require = createRequire(import.meta.url);
        const u = require('@nucypher/umbral-pre');

        const hex = (b) => Buffer.from(b).toString('hex');
        const bytes = (h) => new Uint8Array(Buffer.from(h, 'hex'));
        const sk = (h) => u.SecretKey.fromBEBytes(bytes(h));
        const pk = (h) => u.PublicKey.fromCompressedBytes(bytes(h));

        let input = '';
        for await (const chunk of process.stdin) input += chunk;
        const req = JSON.parse(input);
        let res;

        switch (req.op) {
          case 'make': {
            const alice = sk(req.alice_sk);
            const [capsule, ciphertext] = u.encrypt(alice.publicKey(), bytes(req.plaintext));
            const kfrags = u.generateKFrags(alice, pk(req.bob_pk), new u.Signer(sk(req.signer_sk)),
              req.threshold, req.shares, req.sign_delegating_key, req.sign_receiving_key);
            const signature = new u.Signer(sk(req.signer_sk)).sign(bytes(req.message));
            res = { capsule: hex(capsule.toBytes()), ciphertext: hex(ciphertext),
                    kfrags: kfrags.map((k) => hex(k.toBytes())), signature: hex(signature.toBEBytes()) };
            break;
          }
          case 'open': {
            const capsule = () => u.Capsule.fromBytes(bytes(req.capsule));
            const vkfrags = req.kfrags.map((k) => u.KeyFrag.fromBytes(bytes(k))
              .verify(pk(req.signer_pk), pk(req.alice_pk), pk(req.bob_pk)));
            const vcfrags = vkfrags.map((k) => u.reencrypt(capsule(), k));
            const reencrypted = u.decryptReencrypted(sk(req.bob_sk), pk(req.alice_pk), capsule(), vcfrags, bytes(req.ciphertext));
            const original = u.decryptOriginal(sk(req.alice_sk), capsule(), bytes(req.ciphertext));
            res = { cfrags: vcfrags.map((c) => hex(c.toBytes())), reencrypted: hex(reencrypted), original: hex(original) };
            break;
          }
          case 'decrypt-cfrags': {
            const capsule = () => u.Capsule.fromBytes(bytes(req.capsule));
            const vcfrags = req.cfrags.map((c) => u.CapsuleFrag.fromBytes(bytes(c))
              .verify(capsule(), pk(req.signer_pk), pk(req.alice_pk), pk(req.bob_pk)));
            const plaintext = u.decryptReencrypted(sk(req.bob_sk), pk(req.alice_pk), capsule(), vcfrags, bytes(req.ciphertext));
            const sigOk = u.Signature.fromBEBytes(bytes(req.signature)).verify(pk(req.signer_pk), bytes(req.message));
            res = { plaintext: hex(plaintext), signature_valid: sigOk };
            break;
          }
          default:
            throw new Error('unknown op ' + req.op);
        }
        process.stdout.write(JSON.stringify(res));
        """;
}
