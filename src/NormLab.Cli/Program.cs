Console.WriteLine("normlab");
