using SeSPHR.SystemTests.Scenarios;

namespace SeSPHR.SystemTests.Sdk;

public sealed class AuthorisationMatrixTableTests
{
    [Fact]
    public void Given_the_literal_table_When_parsed_Then_it_covers_every_cell_once_and_only_the_patient_writes()
    {
        AuthorisationMatrix.Expected.Count.ShouldBe(8 * 5 * 9);
        AuthorisationMatrix.Expected.Where(cell => cell.Value == "W").Select(cell => cell.Key.Caller).Distinct().ShouldBe(["patient"]);
        AuthorisationMatrix.Expected.Where(cell => cell.Key.Caller == "anonymous").ShouldAllBe(cell => cell.Value == "401");
    }
}
