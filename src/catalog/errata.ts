/**
 * Facts the vega movies table gets wrong and no rule can detect: a release year off by a decade,
 * and well-known films with no major genre. Each entry is checked against the film's own page
 * (Wikipedia / IMDB) and names the table's value it corrects, so an entry that no longer matches
 * the table (a new package version) is skipped rather than applied to another film. Genres use the
 * table's own vocabulary ("Major Genre"). Only the most-voted films missing a genre are listed: the
 * long tail stays as the table has it and PROVENANCE.md counts what is still missing.
 */
export interface YearErratum {
  title: string;
  /** the table's (wrong) year, which also keeps the item's id */
  tableYear: number;
  year: number;
}

export interface GenreErratum {
  title: string;
  year: number;
  genre: string;
}

export const YEAR_ERRATA: readonly YearErratum[] = [{ title: 'Good Will Hunting', tableYear: 1987, year: 1997 }];

export const GENRE_ERRATA: readonly GenreErratum[] = [
  { title: 'The Godfather', year: 1972, genre: 'Drama' },
  { title: 'The Godfather: Part II', year: 1974, genre: 'Drama' },
  { title: "One Flew Over the Cuckoo's Nest", year: 1975, genre: 'Drama' },
  { title: 'Reservoir Dogs', year: 1992, genre: 'Thriller/Suspense' },
  { title: '2001: A Space Odyssey', year: 1968, genre: 'Adventure' },
  { title: 'Monty Python and the Holy Grail', year: 1975, genre: 'Comedy' },
  { title: "It's a Wonderful Life", year: 1945, genre: 'Drama' },
  { title: 'To Kill A Mockingbird', year: 1962, genre: 'Drama' },
  { title: 'Some Like it Hot', year: 1959, genre: 'Comedy' },
  { title: 'The Sting', year: 1973, genre: 'Comedy' },
  { title: 'The Great Escape', year: 1963, genre: 'Adventure' },
  { title: 'The Elephant Man', year: 1980, genre: 'Drama' },
  { title: 'Young Frankenstein', year: 1974, genre: 'Comedy' },
  { title: "Singin' in the Rain", year: 1952, genre: 'Musical' },
  { title: "Rosemary's Baby", year: 1968, genre: 'Horror' },
  { title: 'Willy Wonka & the Chocolate Factory', year: 1971, genre: 'Musical' },
  { title: 'On the Waterfront', year: 1954, genre: 'Drama' },
  { title: 'Patton', year: 1970, genre: 'Drama' },
  { title: 'Strangers on a Train', year: 1951, genre: 'Thriller/Suspense' },
  { title: 'High Noon', year: 1951, genre: 'Western' },
  { title: 'Midnight Cowboy', year: 1969, genre: 'Drama' },
  { title: 'A Streetcar Named Desire', year: 1951, genre: 'Drama' },
  { title: 'The French Connection', year: 1971, genre: 'Thriller/Suspense' },
  { title: 'House of Wax', year: 1953, genre: 'Horror' },
  { title: 'West Side Story', year: 1961, genre: 'Musical' },
  { title: 'Eraserhead', year: 1976, genre: 'Horror' },
  { title: 'The Hustler', year: 1961, genre: 'Drama' },
  { title: 'The Man Who Shot Liberty Valance', year: 1962, genre: 'Western' },
  { title: 'In the Heat of the Night', year: 1967, genre: 'Thriller/Suspense' },
  { title: 'The Last House on the Left', year: 1972, genre: 'Horror' },
  { title: 'From Here to Eternity', year: 1953, genre: 'Drama' },
  { title: 'Spellbound', year: 1944, genre: 'Thriller/Suspense' },
  { title: "It's a Mad Mad Mad Mad World", year: 1963, genre: 'Comedy' },
];
