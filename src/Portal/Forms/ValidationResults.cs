using FluentValidation.Results;
using Microsoft.AspNetCore.Mvc.ModelBinding;

namespace SeSPHR.Portal.Forms;

internal static class ValidationResults
{
    /// <summary>Puts each failure next to its field (<c>{prefix}.{property}</c>), where the form and the error summary show it.</summary>
    public static bool AddTo(this ValidationResult result, ModelStateDictionary modelState, string prefix)
    {
        foreach (var failure in result.Errors)
        {
            modelState.AddModelError($"{prefix}.{failure.PropertyName}", failure.ErrorMessage);
        }

        return result.IsValid;
    }
}
