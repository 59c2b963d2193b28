using Microsoft.Playwright;

namespace SeSPHR.SystemTests.Portal;

/// <summary>What a crawl of the portal found: how many pages it saw and what was wrong on them.</summary>
public sealed record CrawlFindings(int Visited, IReadOnlyList<string> Problems);

/// <summary>
/// Visits every portal page reachable by links from the start pages (as the browser's person, with
/// their cookies) and checks each for the web protections every page must have: the content
/// security policy header, no inline script or style the policy would have to allow, no
/// <c>javascript:</c> links, and an anti-forgery token in every form that posts.
/// </summary>
public static class PortalCrawl
{
    /// <summary>Enough for every page of every role, with a few paging and detail links each.</summary>
    private const int MaxPages = 80;

    /// <summary>Runs in the page: the problems of the current document, and its same-origin links.</summary>
    private const string InspectScript = """
        () => {
          const problems = [];
          for (const s of document.querySelectorAll('script')) { if (!s.src) problems.push('an inline <script>'); }
          if (document.querySelector('style')) problems.push('a <style> element');
          for (const e of document.querySelectorAll('*')) {
            for (const a of e.attributes) {
              const name = a.name.toLowerCase();
              if (name === 'style' || name.startsWith('on')) problems.push(`<${e.tagName.toLowerCase()} ${name}=...>`);
              if (['href', 'src', 'action', 'formaction'].includes(name) && a.value.trim().toLowerCase().startsWith('javascript:')) problems.push(`a javascript: ${name}`);
            }
          }
          for (const form of document.querySelectorAll('form')) {
            if (form.method.toLowerCase() !== 'post') continue;
            const token = form.querySelector('input[type=hidden][name="__RequestVerificationToken"]');
            if (!token || !token.value) problems.push(`a POST form to ${form.getAttribute('action') ?? '(this page)'} without an anti-forgery token`);
          }
          const links = [...document.querySelectorAll('a[href]')]
            .map(a => new URL(a.getAttribute('href'), document.baseURI))
            .filter(u => u.origin === location.origin)
            .map(u => u.pathname + u.search);
          return { Problems: problems, Links: links };
        }
        """;

    public static async Task<CrawlFindings> CrawlAsync(IPage page, IEnumerable<string> startPaths)
    {
        var queue = new Queue<string>(startPaths);
        var seen = new HashSet<string>(queue, StringComparer.Ordinal);
        var problems = new List<string>();
        var visited = 0;
        while (queue.Count > 0 && visited < MaxPages)
        {
            var path = queue.Dequeue();
            var response = await page.GotoAsync(path);
            visited++;
            if (response is null)
            {
                problems.Add($"{path}: no answer");
                continue;
            }

            var policy = (await response.AllHeadersAsync()).GetValueOrDefault("content-security-policy") ?? "";
            if (!policy.Contains("default-src 'none'", StringComparison.Ordinal) || !policy.Contains("script-src 'self'", StringComparison.Ordinal))
            {
                problems.Add($"{path}: no content security policy (\"{policy}\")");
            }

            var found = await page.EvaluateAsync<PageInspection>(InspectScript);
            problems.AddRange(found.Problems.Distinct().Select(p => $"{path}: {p}"));
            foreach (var link in found.Links.Where(Followable).Where(seen.Add))
            {
                queue.Enqueue(link);
            }
        }

        return new CrawlFindings(visited, problems);
    }

    /// <summary>Pages, not the stylesheet or downloads.</summary>
    private static bool Followable(string path) =>
        !path.StartsWith("/css/", StringComparison.Ordinal) && !path.StartsWith("/js/", StringComparison.Ordinal) && !path.StartsWith("/lib/", StringComparison.Ordinal);

    private sealed class PageInspection
    {
        public string[] Problems { get; set; } = [];

        public string[] Links { get; set; } = [];
    }
}
